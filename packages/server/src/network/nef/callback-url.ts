import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The per-session callback URL a subscription names as its `notificationDestination`:
 * `{base}/network/nef/v1/sessions/{sessionId}/notifications/{secret}`, where the secret is
 * base64url(HMAC-SHA256(key, sessionId)). Only the NEF (which is told the URL) and OpenQoD (which holds the
 * key) know it, so nobody else can end a session by posting to it, and no per-session secret is stored.
 */

const PATH = /\/network\/nef\/v1\/sessions\/([^/?#]+)\/notifications\/([^/?#]+)$/;

/** The route the callback URLs lead to (Fastify's syntax). */
export const CALLBACK_ROUTE = "/network/nef/v1/sessions/:sessionId/notifications/:secret";

export class CallbackUrls {
  readonly #base: string;
  readonly #key: string;

  /** `base`: how the NEF reaches OpenQoD (no trailing slash); `key`: the callback secret. */
  constructor(options: { base: string; key: string }) {
    this.#base = options.base.replace(/\/+$/, "");
    this.#key = options.key;
  }

  secretFor(sessionId: string): string {
    return createHmac("sha256", this.#key).update(sessionId).digest("base64url");
  }

  urlFor(sessionId: string): string {
    return `${this.#base}/network/nef/v1/sessions/${encodeURIComponent(sessionId)}/notifications/${this.secretFor(sessionId)}`;
  }

  /** Whether `secret` is the one of this session (in constant time). */
  verify(sessionId: string, secret: string): boolean {
    const expected = Buffer.from(this.secretFor(sessionId));
    const given = Buffer.from(secret);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * The session id a notificationDestination was made for, or null when the URL is not one of ours (another
   * application's subscription under the same SCS/AS id, or another key). The base is not compared: a URL
   * made before the operator moved OpenQoD is still ours.
   */
  sessionOf(destination: string): string | null {
    const match = PATH.exec(destination);
    if (match?.[1] === undefined || match[2] === undefined) return null;
    let sessionId: string;
    try {
      sessionId = decodeURIComponent(match[1]);
    } catch {
      return null;
    }
    return this.verify(sessionId, match[2]) ? sessionId : null;
  }
}
