import { ApiError } from "../../errors.ts";
import type { NefAnswer, NefOperation } from "./client.ts";
import { NefUnreachable } from "./client.ts";
import { NefTokenError } from "./token-source.ts";

/**
 * What a NEF's answer (or its silence) means to a QoD client. Never a 500: a NEF that is down, slow or
 * misconfigured is a 503 UNAVAILABLE with a Retry-After; only what is about the client's own request (an
 * unknown device, a profile the network will not give it) is a 4xx.
 */

/** When the NEF gives no Retry-After of its own (seconds). */
export const DEFAULT_RETRY_AFTER_S = 5;

/** Causes (ProblemDetails.cause) by which a NEF says it knows no such UE or no PDU session of it. */
const UNKNOWN_UE_CAUSES = new Set(["UE_NOT_FOUND", "USER_UNKNOWN", "PDU_SESSION_NOT_AVAILABLE"]);

/** The cause of a 404 for a URL the NEF does not serve at all (a wrong apiRoot or SCS/AS id). */
export const COLLECTION_NOT_FOUND = "RESOURCE_URI_STRUCTURE_NOT_FOUND";

interface Problem {
  cause?: string;
  detail?: string;
  invalidParams?: Array<{ param?: string }>;
}

function problemOf(answer: NefAnswer): Problem {
  return typeof answer.body === "object" && answer.body !== null ? (answer.body as Problem) : {};
}

function retryAfterSeconds(value: string | undefined): string {
  if (value !== undefined && /^\d+$/.test(value.trim())) return value.trim();
  const at = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isNaN(at)
    ? String(DEFAULT_RETRY_AFTER_S)
    : String(Math.max(1, Math.ceil((at - Date.now()) / 1000)));
}

/** 503 UNAVAILABLE with a Retry-After: the network cannot be asked now; the client may try again later. */
export function unavailable(message: string, retryAfter?: string): ApiError {
  return new ApiError("UNAVAILABLE", message, { headers: { "retry-after": retryAfterSeconds(retryAfter) } });
}

/** A thrown NefUnreachable or NefTokenError as the client's 503; anything else is rethrown. */
export function unreachableAsApiError(error: unknown): never {
  if (error instanceof NefUnreachable) {
    throw unavailable(
      error.kind === "timeout"
        ? "The network did not answer in time. Try again later."
        : "The network cannot be reached. Try again later.",
    );
  }
  if (error instanceof NefTokenError) {
    throw unavailable(
      error.status === null
        ? "The network cannot be reached. Try again later."
        : "The network refused OpenQoD's credentials. Try again later.",
    );
  }
  throw error;
}

/**
 * The client's error for a NEF's non-2xx answer to `operation`:
 * - an unknown UE (a cause such as PDU_SESSION_NOT_AVAILABLE or UE_NOT_FOUND, whatever the status, or a
 *   404 on create that is not RESOURCE_URI_STRUCTURE_NOT_FOUND) → 404 IDENTIFIER_NOT_FOUND;
 * - 400/403 naming the QoS reference (invalidParams `qosReference`, or a cause about QoS) →
 *   422 QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE: the network will not give this profile here;
 * - any other 403 on create → 422 SERVICE_NOT_APPLICABLE: the NEF will not serve this device;
 * - 403/404 on extend → 409 QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED (the network refuses it, or
 *   no longer holds the session);
 * - 401 (the token was refreshed and still refused), another 4xx (OpenQoD's request, not the client's,
 *   was wrong), 429, 5xx → 503 UNAVAILABLE with Retry-After (the NEF's own, else 5 s).
 */
export function errorForAnswer(operation: NefOperation, answer: NefAnswer): ApiError {
  const problem = problemOf(answer);
  const cause = typeof problem.cause === "string" ? problem.cause : "";
  const { status } = answer;
  // A NEF relays the PCF's "no PDU session for this address" as a 500 PDU_SESSION_NOT_AVAILABLE: about the device.
  if (
    operation === "create" &&
    (UNKNOWN_UE_CAUSES.has(cause) || (status === 404 && cause !== COLLECTION_NOT_FOUND))
  )
    return new ApiError("IDENTIFIER_NOT_FOUND", "The network does not know this device.");
  if (operation === "create" && (status === 400 || status === 403)) {
    const aboutQos =
      (problem.invalidParams ?? []).some((p) => /qosReference/.test(String(p.param ?? ""))) ||
      /QOS/.test(cause);
    if (aboutQos)
      return new ApiError(
        "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
        "The network does not offer this QoS profile for this device.",
      );
    if (status === 403)
      return new ApiError(
        "SERVICE_NOT_APPLICABLE",
        "The network does not provide QoS on demand for this device.",
      );
  }
  if (operation === "extend" && (status === 403 || status === 404)) {
    return new ApiError(
      "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
      status === 404
        ? "The network no longer holds this session."
        : "The network does not allow this extension.",
    );
  }
  if (status === 401) return unavailable("The network refused OpenQoD's credentials. Try again later.");
  return unavailable(
    status >= 500 || status === 429
      ? "The network is unavailable. Try again later."
      : "The network could not process the request. Try again later.",
    answer.retryAfter,
  );
}
