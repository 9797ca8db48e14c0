import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { AuthorizationServer } from "../auth/authorization-server.ts";
import { TOKEN_PATH } from "../auth/discovery.ts";
import type { RateLimit } from "../rate-limiter.ts";
import { success } from "./docs.ts";
import { CIBA_TOKEN_ERRORS } from "./oauth-ciba.ts";
import { OAUTH_TAG, oauthErrors } from "./oauth-docs.ts";
import { addressLimit, formEndpoint } from "./oauth-endpoint.ts";

export interface OAuthTokenOptions {
  server: AuthorizationServer;
  /** How clients reach this server, without a trailing slash: a client assertion's `aud` may name the endpoint. */
  publicUrl: string;
  /** Token requests per caller address (per instance); perSecond 0 = off. */
  rateLimit: RateLimit;
  /** Told of each request the limit refuses (the `token_callers` metric). */
  onLimited?: () => void;
}

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal("Bearer"),
  expires_in: Type.Integer({ description: "seconds" }),
  scope: Type.String(),
});

const DESCRIPTION = `OAuth 2.0 token endpoint (RFC 6749 §3.2). Takes \`application/x-www-form-urlencoded\` only (anything else is a 400 \`invalid_request\`):

- \`grant_type=client_credentials\` (two-legged), optionally \`scope\`: space-separated, any subset of the client's scopes (none: all of them).
- \`grant_type=urn:openid:params:grant-type:ciba\` and \`auth_req_id\` (from \`POST /oauth2/v1/bc-authorize\`): a token bound to that device, once its user consented.
- Client authentication, exactly one of: \`Authorization: Basic base64(urlencode(client_id):urlencode(client_secret))\` (client_secret_basic); \`client_id\` and \`client_secret\` in the form (client_secret_post); \`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer\` and \`client_assertion\`, a JWT with \`iss\` = \`sub\` = the client id, \`aud\` = this URL or the issuer, \`exp\` at most 5 min ahead and a fresh \`jti\`, signed (RS256, PS256, ES256 or EdDSA) by a key of the client's registered JWKS or jwks_uri (private_key_jwt).

The answer is an RFC 9068 JWT access token (ES256), \`Cache-Control: no-store\`. Errors carry RFC 6749's \`error\` and CAMARA's \`code\`. Five failed secrets in a row hold that client's secret authentication for 1 s, doubling up to 15 min (429); each caller IP has a request rate limit (429 with Retry-After).`;

/** POST /oauth2/v1/token, in a plugin scope of its own: the only parser here is the form one. */
export const oauthToken: FastifyPluginAsync<OAuthTokenOptions> = async (app, options) => {
  const { server, publicUrl } = options;
  formEndpoint(app, "the token endpoint");
  const limit = addressLimit(options.rateLimit, {
    what: "token requests",
    clock: server.clock,
    ...(options.onLimited === undefined ? {} : { onLimited: options.onLimited }),
  });
  app.post(
    TOKEN_PATH,
    {
      onRequest: limit,
      schema: {
        summary: "Get an access token",
        description: DESCRIPTION,
        operationId: "requestAccessToken",
        tags: [OAUTH_TAG],
        security: [],
        response: {
          200: success(TokenResponse, "An access token", {
            clientCredentials: {
              summary: "client_credentials with two of the client's scopes",
              value: {
                access_token:
                  "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6Ii4uLiJ9.eyJpc3MiOiIuLi4ifQ.c2ln",
                token_type: "Bearer",
                expires_in: 3600,
                scope: "quality-on-demand:sessions:create quality-on-demand:sessions:read",
              },
            },
          }),
          ...oauthErrors(
            {
              error: "invalid_request",
              code: "INVALID_ARGUMENT",
              summary: "No grant_type",
              message: "grant_type is missing",
            },
            {
              error: "unsupported_grant_type",
              code: "INVALID_ARGUMENT",
              summary: "A grant this server does not have",
              message: 'grant_type "password" is not supported; use one of client_credentials',
            },
            {
              error: "invalid_scope",
              code: "INVALID_ARGUMENT",
              summary: "A scope the client may not ask for",
              message: 'the scope "openqod:sandbox" is unknown or not allowed for this client',
            },
            {
              error: "invalid_client",
              code: "UNAUTHENTICATED",
              summary: "Unknown client, revoked client or wrong secret",
              message: "client authentication failed",
            },
            {
              error: "rate_limited",
              code: "TOO_MANY_REQUESTS",
              summary: "Too many requests from this address",
              message: "too many token requests from this address",
            },
            ...CIBA_TOKEN_ERRORS,
          ),
        },
      },
    },
    async (request) =>
      server.endpoint.token({
        authorization: request.headers.authorization,
        params: request.form ?? new URLSearchParams(),
        endpoint: `${publicUrl}${TOKEN_PATH}`,
        ip: request.ip,
      }),
  );
};
