/**
 * What a newcomer sees when the sandbox starts: where it is, their key, and one request to try; with
 * `oauth` (the sandbox client's id and secret, the authorization server on) also how to get a token.
 */
export function quickstart(
  baseUrl: string,
  key: string,
  dataDir: string,
  oauth: { clientId: string; secret: string } | null = null,
): string {
  const body = JSON.stringify({
    device: { phoneNumber: "+36721601234567" },
    applicationServer: { ipv4Address: "233.252.0.2" },
    qosProfile: "QOS_L",
    duration: 3600,
  });
  return `
OpenQoD sandbox is running.
  Base URL:     ${baseUrl}
  API key:      ${key}
  Data:         ${dataDir}
  Dashboard:    ${baseUrl}/dashboard/
  APIs:         ${baseUrl}/quality-on-demand/v1  ${baseUrl}/qos-profiles/v1  (OpenAPI: ${baseUrl}/openapi.json)

Create a QoD session:
  curl -s -X POST ${baseUrl}/quality-on-demand/v1/sessions \\
    -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\
    -d '${body}'
${oauth === null ? "" : oauthLines(baseUrl, oauth)}
`;
}

/** The id and secret need no escaping in Basic: a UUID, and `oqs_` with base64url. */
function oauthLines(baseUrl: string, oauth: { clientId: string; secret: string }): string {
  return `
OAuth2 (client credentials; the token works wherever the API key does):
  Client id:     ${oauth.clientId}
  Client secret: ${oauth.secret}
  Token URL:     ${baseUrl}/oauth2/v1/token
  curl -s -u '${oauth.clientId}:${oauth.secret}' -d grant_type=client_credentials ${baseUrl}/oauth2/v1/token
`;
}
