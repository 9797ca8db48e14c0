import type { JWTPayload } from "jose";
import type { Device } from "../domain/types.ts";
import { deviceFromHint } from "./device-hint.ts";
import { KNOWN_SCOPES } from "./scopes.ts";

/** Which claims of an external IdP's access token say what (the OPENQOD_OAUTH_*_CLAIM settings). */
export interface ClaimMapping {
  /** A space-separated string, or an array of strings (e.g. `scp`). */
  scopeClaim: string;
  /** The IdP's client; `azp` when this one is absent. */
  clientClaim: string;
  /** The bound device; null: every token is two-legged. */
  deviceClaim: string | null;
}

/** What a verified token says, in OpenQoD's terms. */
export interface TokenClaims {
  /** The IdP's id of the client the token was issued to. */
  client: string;
  /** The scopes OpenQoD knows among the token's (others are for other resource servers). */
  scopes: Set<string>;
  device: Device | null;
}

/** A client id longer than this is not one an IdP issues; it would only bloat the clients table. */
const MAX_CLIENT_ID = 256;

/** @returns the claims, or in words why the token is not usable here. */
export function readClaims(payload: JWTPayload, mapping: ClaimMapping): TokenClaims | { invalid: string } {
  const named = payload[mapping.clientClaim] ?? payload.azp;
  if (typeof named !== "string" || named === "" || named.length > MAX_CLIENT_ID) {
    return {
      invalid: `The access token names no client: it needs a ${mapping.clientClaim} (or azp) claim of 1 to ${MAX_CLIENT_ID} characters.`,
    };
  }
  const raw = payload[mapping.scopeClaim];
  let granted: string[];
  if (raw === undefined) granted = [];
  else if (typeof raw === "string") granted = raw.split(" ");
  else if (Array.isArray(raw) && raw.every((s): s is string => typeof s === "string")) granted = raw;
  else
    return {
      invalid: `The access token's ${mapping.scopeClaim} claim is neither a space-separated string nor an array of strings.`,
    };
  const known = new Set<string>(KNOWN_SCOPES);
  const scopes = new Set(granted.filter((s) => known.has(s)));

  const bound = mapping.deviceClaim === null ? undefined : payload[mapping.deviceClaim];
  if (bound === undefined || mapping.deviceClaim === null) return { client: named, scopes, device: null };
  const device = deviceFromHint(bound);
  if ("invalid" in device)
    return { invalid: `The access token's ${mapping.deviceClaim} claim is not a device: ${device.invalid}` };
  return { client: named, scopes, device };
}
