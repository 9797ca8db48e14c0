import { createHmac, timingSafeEqual } from "node:crypto";
import type { RefusalReason } from "./types.ts";

/** Bytes of an HMAC-SHA256. */
const MAC_BYTES = 32;

/** Why a request's Standard Webhooks signature was not accepted, with a message for a person. */
export interface SignatureProblem {
  reason: Extract<RefusalReason, "missing-signature" | "bad-signature" | "stale-timestamp">;
  message: string;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * A secret's key bytes: the base64 after `whsec_` (as OpenQoD and Standard Webhooks senders give it),
 * or the whole value as base64.
 * @throws Error for a secret with no key bytes or that is not base64, so a typo fails at start-up,
 *   not as a refusal of every notification.
 */
export function webhookKey(secret: string): Buffer {
  const base64 = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64))
    throw new Error("webhookSecret: expected whsec_ and base64 (or base64 alone)");
  return Buffer.from(base64, "base64");
}

/**
 * A checker of Standard Webhooks signatures: `webhook-id`, `webhook-timestamp` (Unix seconds, within
 * `toleranceSeconds` of now either way, against replays) and `webhook-signature`, one or more
 * space-separated `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`; one of them must match one of
 * the secrets. Over the body's exact bytes. Constant time: every listed signature is compared with
 * every secret's, so neither which matched nor how much of one did shows in the timing.
 * @returns null when the signature holds, else why not.
 * @throws TypeError for a tolerance that is not a finite number >= 0; Error for a secret not base64.
 */
export function signatureChecker(
  secrets: readonly string[],
  toleranceSeconds: number,
  now: () => number = Date.now,
): (headers: Headers, body: string | Buffer) => SignatureProblem | null {
  // A NaN would make every age pass the comparison below: no replay protection at all.
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new TypeError(`toleranceSeconds must be a finite number >= 0; got ${toleranceSeconds}`);
  }
  const keys = secrets.map(webhookKey);
  return (headers, body) => {
    const id = header(headers, "webhook-id");
    const timestamp = header(headers, "webhook-timestamp");
    const signature = header(headers, "webhook-signature");
    if (!id || !timestamp || !signature) {
      return {
        reason: "missing-signature",
        message: "webhook-id, webhook-timestamp and webhook-signature are all required",
      };
    }
    if (!/^\d{1,15}$/.test(timestamp))
      return { reason: "bad-signature", message: "webhook-timestamp is not a whole number of seconds" };
    const age = Math.floor(now() / 1000) - Number(timestamp);
    if (Math.abs(age) > toleranceSeconds) {
      return {
        reason: "stale-timestamp",
        message:
          age > 0
            ? `webhook-timestamp is ${age} s old; at most ${toleranceSeconds} s is accepted`
            : `webhook-timestamp is ${-age} s in the future; at most ${toleranceSeconds} s is accepted`,
      };
    }
    const prefix = `${id}.${timestamp}.`;
    const expected = keys.map((key) =>
      createHmac("sha256", key).update(prefix, "utf8").update(body).digest(),
    );
    let ok = false;
    for (const candidate of signature.split(" ")) {
      const comma = candidate.indexOf(",");
      if (comma === -1 || candidate.slice(0, comma) !== "v1") continue;
      const given = Buffer.from(candidate.slice(comma + 1), "base64");
      if (given.length !== MAC_BYTES) continue;
      for (const mac of expected) ok = timingSafeEqual(given, mac) || ok;
    }
    return ok
      ? null
      : { reason: "bad-signature", message: "no v1 signature matches an accepted webhook secret" };
  };
}

/**
 * The check createReceiver's `webhookSecret` and `webhookTolerance` (seconds, @default 300) ask for;
 * null without a secret.
 * @throws TypeError for an empty list of secrets, which would check nothing while looking as if it
 *   did, or a tolerance that is not a finite number >= 0; Error for a secret that is not base64.
 */
export function signatureCheckerFor(
  secret: string | readonly string[] | undefined,
  toleranceSeconds: number | undefined,
): ReturnType<typeof signatureChecker> | null {
  const tolerance = toleranceSeconds ?? 300;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new TypeError(
      `webhookTolerance must be a finite number of seconds >= 0 (default 300); got ${String(toleranceSeconds)}`,
    );
  }
  if (secret === undefined) return null;
  const secrets = typeof secret === "string" ? [secret] : secret;
  if (secrets.length === 0) {
    throw new TypeError(
      "webhookSecret is an empty list, which would check no signature: give at least one secret, or leave webhookSecret out",
    );
  }
  return signatureChecker(secrets, tolerance);
}
