import { APIConnectionError, OAuthError, ValidationError } from "../errors.ts";
import type { OAuth2Endpoints } from "./types.ts";

/** The endpoints an authorization server uses, as its discovery document (RFC 8414) names them. */
export interface ServerEndpoints {
  tokenEndpoint: string;
  /** CIBA's (OpenID CIBA §4); undefined when the server has none. */
  backchannelAuthenticationEndpoint: string | undefined;
}

/** The metadata fields the SDK reads. */
interface DiscoveryDocument {
  issuer?: unknown;
  token_endpoint?: unknown;
  backchannel_authentication_endpoint?: unknown;
}

/**
 * The endpoints of `endpoints`: `tokenUrl` as given, or the issuer's discovery document, fetched the
 * first time they are needed and kept; a failed fetch is not kept, so the next call asks again.
 * @throws ValidationError (at once) when neither `tokenUrl` nor `issuer` is given.
 */
export function endpointResolver(
  endpoints: OAuth2Endpoints & { backchannelAuthenticationUrl?: string | undefined },
): (fetchImpl: typeof fetch, signal: AbortSignal) => Promise<ServerEndpoints> {
  const { tokenUrl, issuer, backchannelAuthenticationUrl } = endpoints;
  if (tokenUrl !== undefined) {
    const known = {
      tokenEndpoint: tokenUrl,
      backchannelAuthenticationEndpoint: backchannelAuthenticationUrl,
    };
    return async () => known;
  }
  if (issuer === undefined)
    throw new ValidationError("oauth2", "give the token endpoint as `tokenUrl`, or the server's `issuer`");
  let cached: Promise<ServerEndpoints> | null = null;
  return (fetchImpl, signal) => {
    cached ??= discover(issuer, fetchImpl, signal);
    const request = cached;
    request.catch(() => {
      if (cached === request) cached = null;
    });
    return request;
  };
}

async function discover(
  issuer: string,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
): Promise<ServerEndpoints> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(url, { headers: { accept: "application/json" }, signal, redirect: "error" });
    text = await response.text();
  } catch (cause) {
    throw new APIConnectionError(`GET ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
  let document: DiscoveryDocument = {};
  try {
    document = JSON.parse(text) as DiscoveryDocument;
  } catch {}
  const failed = (message: string) =>
    new OAuthError({
      status: response.status,
      code: "DISCOVERY_FAILED",
      error: undefined,
      message: `${url}: ${message}`,
      body: text,
      headers: response.headers,
      correlator: undefined,
    });
  if (!response.ok) throw failed(`answered ${response.status}`);
  // RFC 8414 §3.3: a document that names another issuer must not be used.
  if (document.issuer !== issuer.replace(/\/+$/, ""))
    throw failed(`names issuer ${JSON.stringify(document.issuer)}, not ${issuer}`);
  if (typeof document.token_endpoint !== "string") throw failed("names no token_endpoint");
  const ciba = document.backchannel_authentication_endpoint;
  return {
    tokenEndpoint: document.token_endpoint,
    backchannelAuthenticationEndpoint: typeof ciba === "string" ? ciba : undefined,
  };
}
