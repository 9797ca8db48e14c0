import type { FastifyInstance } from "fastify";
import { type Credentials, OAuthError } from "./credentials.ts";
import { mediaType } from "./validation.ts";

/** Where the built-in OAuth2 token endpoint answers, below the emulator's origin. */
export const TOKEN_PATH = "/oauth/token";

/** The RFC 6749 client_credentials token endpoint; mounted only when OAuth2 clients are configured. */
export function oauthRoutes(app: FastifyInstance, credentials: Credentials): void {
  app.post<{ Body: string }>(TOKEN_PATH, async (request, reply) => {
    try {
      if (mediaType(request.headers["content-type"]) !== "application/x-www-form-urlencoded") {
        throw new OAuthError(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
      }
      const token = credentials.issue(new URLSearchParams(request.body ?? ""), request.headers.authorization);
      return reply.header("cache-control", "no-store").type("application/json").send(token);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      if (error.status === 401) reply.header("www-authenticate", 'Basic realm="nef-emulator"');
      return reply
        .code(error.status)
        .type("application/json")
        .send({ error: error.error, error_description: error.description });
    }
  });
}
