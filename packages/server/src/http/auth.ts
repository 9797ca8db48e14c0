import type { FastifyRequest } from "fastify";
import type { ApiKeys, Principal } from "../api-keys.ts";
import { ApiError } from "../errors.ts";

/**
 * The seam for authentication: API keys today, OAuth2 access tokens later. Resolves the caller or
 * null when the credentials are missing or not valid.
 */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Principal | null>;
}

/**
 * `Authorization: Bearer <api key>`, or the key alone in `x-rapidapi-key` (what Nokia's
 * Network-as-Code SDKs send; `x-rapidapi-host` may come along and is ignored). Looked up by hash.
 */
export class ApiKeyAuthenticator implements Authenticator {
  readonly #keys: ApiKeys;

  constructor(keys: ApiKeys) {
    this.#keys = keys;
  }

  async authenticate(request: FastifyRequest): Promise<Principal | null> {
    const header = request.headers.authorization;
    const rapidKey = request.headers["x-rapidapi-key"];
    if (header === undefined)
      return typeof rapidKey === "string" && rapidKey !== "" ? this.#keys.verify(rapidKey) : null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) return null;
    return this.#keys.verify(match[1]);
  }
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** A preHandler hook that requires a valid caller. @throws ApiError 401 UNAUTHENTICATED. */
export function requireAuth(authenticator: Authenticator) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = await authenticator.authenticate(request);
    if (principal === null) {
      throw new ApiError(
        "UNAUTHENTICATED",
        "Request not authenticated due to missing, invalid, or expired credentials: send Authorization: Bearer <API key>.",
      );
    }
    request.principal = principal;
  };
}
