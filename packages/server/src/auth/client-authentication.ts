import { timingSafeEqual } from "node:crypto";
import type { Store } from "../store/store.ts";
import type { ClientCredentialsRecord } from "../store/types.ts";
import { hashKey, scopesOf } from "./api-keys.ts";
import { type ClientAssertions, invalidClient, JWT_BEARER_ASSERTION } from "./client-assertion.ts";
import type { AuthenticatedClient, ClientAuthentication } from "./grants.ts";
import { OAuthError } from "./oauth-error.ts";
import type { SecretGuard } from "./secret-guard.ts";

type Method = AuthenticatedClient["method"];

/** One message for an unknown, revoked or wrong client: a caller cannot tell which ids exist. */
const FAILED = "client authentication failed";
/** The longest client_id any client has. */
const MAX_CLIENT_ID = 256;
const BASIC_CHALLENGE = { "www-authenticate": 'Basic realm="openqod"' };

/**
 * Client authentication at the token (and CIBA) endpoints, by exactly one method per request
 * (RFC 6749 §2.3): `client_secret_basic` (Authorization: Basic, id and secret form-urlencoded inside,
 * §2.3.1), `client_secret_post` (client_id and client_secret in the form), or `private_key_jwt`
 * (RFC 7523, auth/client-assertion.ts). Secrets go through the brute-force guard; a key-signed
 * assertion does not (nothing to guess), so guessing a secret cannot lock out a key-holding client.
 */
export class ClientAuthenticator implements ClientAuthentication {
  readonly #store: Pick<Store, "clientCredentials">;
  readonly #guard: SecretGuard;
  readonly #assertions: ClientAssertions;

  constructor(options: {
    store: Pick<Store, "clientCredentials">;
    guard: SecretGuard;
    assertions: ClientAssertions;
  }) {
    this.#store = options.store;
    this.#guard = options.guard;
    this.#assertions = options.assertions;
  }

  async authenticate(request: {
    authorization: string | undefined;
    params: URLSearchParams;
    endpoint: string;
    ip: string;
  }): Promise<AuthenticatedClient> {
    const { authorization, params } = request;
    const basic = authorization !== undefined && /^basic\s/i.test(authorization);
    const methods: Method[] = [];
    if (basic) methods.push("client_secret_basic");
    if (params.has("client_secret")) methods.push("client_secret_post");
    if (params.has("client_assertion") || params.has("client_assertion_type"))
      methods.push("private_key_jwt");
    if (methods.length > 1)
      throw new OAuthError(
        "invalid_request",
        `the request uses more than one client authentication method (${methods.join(", ")}); use exactly one`,
      );
    switch (methods[0]) {
      case "client_secret_basic":
        return this.#bySecret(request.ip, "client_secret_basic", ...fromBasic(authorization ?? "", params));
      case "client_secret_post":
        return this.#bySecret(
          request.ip,
          "client_secret_post",
          params.get("client_id") ?? "",
          params.get("client_secret") ?? "",
        );
      case "private_key_jwt":
        return this.#byAssertion(params, request.endpoint);
      default:
        throw invalidClient(
          "no client authentication: use client_secret_basic, client_secret_post or private_key_jwt",
          authorization === undefined ? BASIC_CHALLENGE : undefined,
        );
    }
  }

  /**
   * The guard holds a client's secret per caller address: a guesser elsewhere cannot lock the client
   * out, and the per-address failure limit (http/rate-limits.ts) bounds what one address may guess.
   * Only clients that exist are counted, so made-up ids cannot fill its memory.
   */
  async #bySecret(
    ip: string,
    method: Method,
    clientId: string,
    secret: string,
  ): Promise<AuthenticatedClient> {
    const challenge = method === "client_secret_basic" ? BASIC_CHALLENGE : undefined;
    if (clientId === "") throw new OAuthError("invalid_request", "client_id is missing");
    // Client ids are UUIDs (or an IdP's, at most 256 characters): a longer one names no client.
    if (clientId.length > MAX_CLIENT_ID) throw invalidClient(FAILED, challenge);
    const guardKey = `${clientId} ${ip}`;
    const heldMs = this.#guard.heldFor(guardKey);
    if (heldMs > 0) {
      throw new OAuthError(
        "rate_limited",
        "too many failed client authentications: this client's secret is refused for a while",
        { status: 429, headers: { "retry-after": String(Math.ceil(heldMs / 1000)) } },
      );
    }
    const client = await this.#active(clientId);
    if (client === null || client.secretHash === null || !sameHash(client.secretHash, hashKey(secret))) {
      if (client !== null) this.#guard.failed(guardKey);
      throw invalidClient(FAILED, challenge);
    }
    this.#guard.succeeded(guardKey);
    return authenticated(client, method);
  }

  async #byAssertion(params: URLSearchParams, endpoint: string): Promise<AuthenticatedClient> {
    const type = params.get("client_assertion_type");
    const assertion = params.get("client_assertion");
    if (type !== JWT_BEARER_ASSERTION)
      throw new OAuthError("invalid_request", `client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    if (assertion === null || assertion === "")
      throw new OAuthError("invalid_request", "client_assertion is missing");
    const claimed = unverifiedIssuer(assertion);
    const clientId = params.get("client_id") ?? claimed;
    if (clientId !== null && clientId.length > MAX_CLIENT_ID) throw invalidClient(FAILED);
    if (clientId === null || clientId !== claimed)
      throw invalidClient("the client assertion's iss must be the client_id");
    const client = await this.#active(clientId);
    if (client === null) throw invalidClient(FAILED);
    await this.#assertions.verify(client, assertion, endpoint);
    return authenticated(client, "private_key_jwt");
  }

  async #active(clientId: string): Promise<ClientCredentialsRecord | null> {
    const client = await this.#store.clientCredentials(clientId);
    return client !== undefined && client.revokedAt === null ? client : null;
  }
}

/**
 * The id and secret of `Authorization: Basic`: each form-urlencoded before the base64 (RFC 6749
 * §2.3.1), so a `:` in either arrives as %3A. A client_id in the form as well must be the same.
 */
function fromBasic(header: string, params: URLSearchParams): [string, string] {
  const decoded = Buffer.from(header.replace(/^basic\s+/i, "").trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0)
    throw invalidClient("the Basic credentials are not client_id:client_secret", BASIC_CHALLENGE);
  let id: string;
  let secret: string;
  try {
    id = formDecode(decoded.slice(0, colon));
    secret = formDecode(decoded.slice(colon + 1));
  } catch {
    throw invalidClient("the Basic credentials are not form-urlencoded", BASIC_CHALLENGE);
  }
  const formId = params.get("client_id");
  if (formId !== null && formId !== id)
    throw new OAuthError("invalid_request", "client_id in the form differs from the one in Authorization");
  return [id, secret];
}

function formDecode(text: string): string {
  return decodeURIComponent(text.replaceAll("+", " "));
}

/** The `iss` of an assertion, read before its signature is checked, only to find the client's keys. */
function unverifiedIssuer(assertion: string): string | null {
  try {
    const payload: unknown = JSON.parse(
      Buffer.from(assertion.split(".")[1] ?? "", "base64url").toString("utf8"),
    );
    if (typeof payload !== "object" || payload === null || !("iss" in payload)) return null;
    return typeof payload.iss === "string" ? payload.iss : null;
  } catch {
    return null;
  }
}

/** Compares two SHA-256 hex digests in constant time. */
function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

function authenticated(client: ClientCredentialsRecord, method: Method): AuthenticatedClient {
  return { id: client.id, name: client.name, scopes: scopesOf(client), method };
}
