import type { FastifyRequest } from "fastify";
import type { ApiKeys } from "../auth/api-keys.ts";
import { invalidToken } from "../auth/invalid-token.ts";
import type { Principal } from "../auth/principal.ts";
import { scopeOf } from "../auth/scopes.ts";
import { ApiError } from "../errors.ts";
import type { Owner } from "../service/owner.ts";
import { ownerOf } from "./owner.ts";

/**
 * The seam for authentication: API keys and OAuth2 access tokens. Resolves the caller, or null when
 * there are no credentials or they are not valid.
 * @throws ApiError 401 UNAUTHENTICATED naming what is wrong with a token (expired, wrong audience, …).
 */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Principal | null>;
}

/** Verifies the access tokens of one issuer: OpenQoD's own authorization server, or an operator's IdP. */
export interface TokenVerifier {
  /** The `iss` of the tokens it verifies. */
  readonly issuer: string;
  /** @throws ApiError 401 UNAUTHENTICATED naming what is wrong with the token. */
  verify(token: string): Promise<Principal>;
}

/** A compact JWS: three base64url parts. An API key (`oqd_…`) never has a dot. */
const JWT = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/**
 * `Authorization: Bearer <API key or access token>`, or the key alone in `x-rapidapi-key` (what
 * Nokia's Network-as-Code SDKs send; `x-rapidapi-host` may come along and is ignored). A key is looked
 * up by hash; a token goes to the verifier of the issuer it names, and only there.
 */
export class BearerAuthenticator implements Authenticator {
  readonly #keys: ApiKeys;
  readonly #verifiers: ReadonlyMap<string, TokenVerifier>;

  constructor(keys: ApiKeys, verifiers: readonly TokenVerifier[] = []) {
    this.#keys = keys;
    this.#verifiers = new Map(verifiers.map((v) => [v.issuer, v]));
    if (this.#verifiers.size < verifiers.length)
      throw new Error("two token verifiers for one issuer: each issuer's tokens must have one verifier");
  }

  async authenticate(request: FastifyRequest): Promise<Principal | null> {
    const header = request.headers.authorization;
    const rapidKey = request.headers["x-rapidapi-key"];
    if (header === undefined)
      return typeof rapidKey === "string" && rapidKey !== "" ? this.#keys.verify(rapidKey) : null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) return null;
    const credential = match[1];
    if (!JWT.test(credential)) return this.#keys.verify(credential);
    const issuer = issuerOf(credential);
    const verifier = issuer === null ? undefined : this.#verifiers.get(issuer);
    if (verifier === undefined) {
      throw invalidToken(
        issuer === null
          ? "The access token is not a JWT with an `iss` claim."
          : `The access token's issuer ${JSON.stringify(issuer).slice(0, 200)} is not one this server trusts.`,
      );
    }
    return verifier.verify(credential);
  }
}

/**
 * The `iss` a token claims, read before its signature is checked, only to choose who checks it. No
 * other claim is trusted from here.
 */
function issuerOf(token: string): string | null {
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
    if (typeof payload !== "object" || payload === null || !("iss" in payload)) return null;
    return typeof payload.iss === "string" ? payload.iss : null;
  } catch {
    return null;
  }
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
    /** The principal as the service sees it (http/owner.ts). */
    owner: Owner;
  }
}

/** What requireAuth does after authenticating (the per-client rate limit). */
export type AfterAuth = (request: FastifyRequest, principal: Principal) => void;

/**
 * An onRequest hook that requires a valid caller holding the scope of the route's operation
 * (auth/scopes.ts, by operationId). A route with no scope there is refused: fail closed. It runs
 * before the body is read or validated, so an unauthenticated caller learns nothing of what its
 * input would have met, and costs no parsing.
 * @throws ApiError 401 UNAUTHENTICATED, 403 PERMISSION_DENIED.
 */
export function requireAuth(authenticator: Authenticator, after?: AfterAuth) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = await authenticator.authenticate(request);
    if (principal === null) {
      throw new ApiError(
        "UNAUTHENTICATED",
        "Request not authenticated due to missing, invalid, or expired credentials: send Authorization: Bearer <API key or access token>.",
        { headers: { "www-authenticate": "Bearer" } },
      );
    }
    const scope = scopeOf(request.routeOptions.schema?.operationId);
    if (scope === undefined || !principal.scopes.has(scope)) {
      throw new ApiError(
        "PERMISSION_DENIED",
        scope === undefined
          ? "This operation has no scope, so no credential may call it."
          : `This operation needs the scope ${scope}, which the credential does not carry.`,
        {
          headers: {
            "www-authenticate": `Bearer error="insufficient_scope"${scope === undefined ? "" : `, scope="${scope}"`}`,
          },
        },
      );
    }
    after?.(request, principal);
    request.principal = principal;
    request.owner = ownerOf(principal);
  };
}
