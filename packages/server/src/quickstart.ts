/** What a newcomer sees when the sandbox starts: where it is, their key, and one request to try. */
export function quickstart(baseUrl: string, key: string, dataDir: string): string {
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
  APIs:         ${baseUrl}/quality-on-demand/v1  ${baseUrl}/qos-profiles/v1  (OpenAPI: ${baseUrl}/openapi.json)

Create a QoD session:
  curl -s -X POST ${baseUrl}/quality-on-demand/v1/sessions \\
    -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\
    -d '${body}'

`;
}
