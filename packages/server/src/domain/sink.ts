import { ApiError } from "../errors.ts";
import type { SinkCredential } from "../wire/quality-on-demand.ts";
import { isLoopbackHost, isNonPublicAddress } from "./ip.ts";

/** The sink credential as it arrives (the schema's loose shape), before it is known to be an access token. */
export type SinkCredentialInput = SinkCredential;

export interface SinkPolicy {
  /** Accept `http://` sinks whose host is a loopback address, so a developer's local receiver works. */
  allowLoopbackHttp: boolean;
  /**
   * Accept sinks on loopback, private and link-local addresses. Off in production, so a session's sink
   * cannot make the server POST into its own network (SSRF); the sandbox allows them.
   */
  allowNonPublicHosts: boolean;
}

/**
 * Validates a notification sink and its credential.
 * @returns the token to send as `Authorization: Bearer <token>` and when it stops being valid (ms).
 * @throws ApiError 400 INVALID_SINK, INVALID_CREDENTIAL (PLAIN, REFRESHTOKEN), INVALID_TOKEN (not bearer),
 *   INVALID_ARGUMENT (credential fields missing, token already expired, credential without sink).
 */
export function checkSink(
  sink: string | undefined,
  credential: SinkCredentialInput | undefined,
  policy: SinkPolicy,
  now: number,
): { token: string | null; tokenExpiresAt: number | null } {
  if (sink === undefined) {
    if (credential !== undefined)
      throw new ApiError("INVALID_ARGUMENT", "sinkCredential is given without a sink.");
    return { token: null, tokenExpiresAt: null };
  }
  checkSinkUrl(sink, policy);
  if (credential === undefined) return { token: null, tokenExpiresAt: null };
  if (credential.credentialType !== "ACCESSTOKEN") {
    throw new ApiError(
      "INVALID_CREDENTIAL",
      `Only Access token is supported: sinkCredential.credentialType must be ACCESSTOKEN, not ${credential.credentialType}.`,
    );
  }
  const { accessToken, accessTokenExpiresUtc, accessTokenType } = credential;
  if (accessToken === undefined || accessTokenExpiresUtc === undefined || accessTokenType === undefined) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      "sinkCredential of type ACCESSTOKEN needs accessToken, accessTokenExpiresUtc and accessTokenType.",
    );
  }
  if (accessTokenType !== "bearer") {
    throw new ApiError(
      "INVALID_TOKEN",
      `Only bearer token is supported: accessTokenType "${accessTokenType}".`,
    );
  }
  const expiresAt = Date.parse(accessTokenExpiresUtc);
  if (expiresAt <= now) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `sinkCredential.accessTokenExpiresUtc (${accessTokenExpiresUtc}) is in the past: no notification could be sent.`,
    );
  }
  return { token: accessToken, tokenExpiresAt: expiresAt };
}

function checkSinkUrl(sink: string, policy: SinkPolicy): void {
  let url: URL;
  try {
    url = new URL(sink);
  } catch {
    throw new ApiError("INVALID_SINK", `sink "${sink}" is not an absolute URL.`);
  }
  if (!policy.allowNonPublicHosts && (url.hostname === "localhost" || isNonPublicAddress(url.hostname))) {
    throw new ApiError("INVALID_SINK", `sink host ${url.hostname} is not a public address.`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new ApiError("INVALID_SINK", "sink must not carry user credentials: use sinkCredential.");
  }
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && policy.allowLoopbackHttp && isLoopbackHost(url.hostname)) return;
  throw new ApiError(
    "INVALID_SINK",
    policy.allowLoopbackHttp
      ? `sink must use https:// (http:// is accepted only for loopback hosts in the sandbox); got "${sink}".`
      : `sink must use https://; got "${sink}".`,
  );
}
