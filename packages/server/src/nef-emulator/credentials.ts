import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../clock.ts";
import { NefProblem } from "./problem.ts";

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface CredentialOptions {
  clock: Clock;
  /** Static bearer tokens the NEF accepts. */
  tokens: readonly string[];
  /** Clients of the built-in OAuth2 token endpoint (client_credentials). */
  oauthClients: readonly OAuthClient[];
  /** Lifetime of an issued token, seconds. */
  tokenLifetimeSeconds: number;
}

/** An RFC 6749 token endpoint error (section 5.2). */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: "invalid_request" | "invalid_client" | "unsupported_grant_type",
    readonly description: string,
  ) {
    super(description);
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Who may call the NEF: static bearer tokens, and opaque tokens issued to OAuth2 clients that expire
 * on the emulator's clock. Without any token or client configured the NEF takes unauthenticated calls
 * (TS 29.122 lists `{}` among its security schemes).
 */
export class Credentials {
  readonly #options: CredentialOptions;
  /** Issued token -> expiry, epoch ms. */
  readonly #issued = new Map<string, number>();

  constructor(options: CredentialOptions) {
    this.#options = options;
  }

  get required(): boolean {
    return this.#options.tokens.length > 0 || this.#options.oauthClients.length > 0;
  }

  get issuing(): boolean {
    return this.#options.oauthClients.length > 0;
  }

  /**
   * Checks an Authorization header.
   * @throws NefProblem 401 (with WWW-Authenticate) when it is missing, not a bearer token, unknown or expired
   */
  check(authorization: string | undefined): void {
    if (!this.required) return;
    const fail = (error: string, detail: string) =>
      new NefProblem(401, detail, { headers: { "www-authenticate": `Bearer error="${error}"` } });
    if (authorization === undefined) throw fail("invalid_request", "no credentials");
    const match = /^Bearer ([^\s]+)$/i.exec(authorization);
    if (match === null) throw fail("invalid_request", "only bearer tokens are accepted");
    const token = match[1] ?? "";
    if (this.#options.tokens.some((t) => same(t, token))) return;
    const expiry = this.#issued.get(token);
    if (expiry === undefined) throw fail("invalid_token", "unknown token");
    if (expiry <= this.#options.clock.now()) throw fail("invalid_token", "token expired");
  }

  /**
   * The token endpoint: client_credentials with client_secret_basic (Authorization: Basic) or
   * client_secret_post (client_id and client_secret in the form).
   * @throws OAuthError
   */
  issue(
    form: URLSearchParams,
    authorization: string | undefined,
  ): { access_token: string; token_type: "Bearer"; expires_in: number } {
    let clientId = form.get("client_id");
    let clientSecret = form.get("client_secret");
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization ?? "");
    if (basic !== null) {
      const decoded = Buffer.from(basic[1] ?? "", "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      // RFC 6749 section 2.3.1: both halves are form-urlencoded.
      const decode = (part: string) => new URLSearchParams(`v=${part}`).get("v");
      clientId = colon < 0 ? null : decode(decoded.slice(0, colon));
      clientSecret = colon < 0 ? null : decode(decoded.slice(colon + 1));
    }
    if (clientId === null || clientSecret === null) {
      throw new OAuthError(401, "invalid_client", "no client authentication");
    }
    const client = this.#options.oauthClients.find((c) => same(c.clientId, clientId ?? ""));
    if (client === undefined || !same(client.clientSecret, clientSecret)) {
      throw new OAuthError(401, "invalid_client", "unknown client or wrong secret");
    }
    const grant = form.get("grant_type");
    if (grant === null) throw new OAuthError(400, "invalid_request", "grant_type is missing");
    if (grant !== "client_credentials") {
      throw new OAuthError(400, "unsupported_grant_type", "only client_credentials is supported");
    }
    const token = randomBytes(24).toString("base64url");
    const lifetime = this.#options.tokenLifetimeSeconds;
    this.#issued.set(token, this.#options.clock.now() + lifetime * 1000);
    return { access_token: token, token_type: "Bearer", expires_in: lifetime };
  }

  /** Makes every issued token expire now (a NEF revoking tokens); static tokens stay valid. */
  expireIssued(): void {
    for (const token of this.#issued.keys()) this.#issued.set(token, 0);
  }

  /** How many tokens were issued so far. */
  get issuedCount(): number {
    return this.#issued.size;
  }
}
