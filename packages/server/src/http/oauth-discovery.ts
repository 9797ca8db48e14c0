import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { AuthorizationServer } from "../auth/authorization-server.ts";
import { discoveryDocument, JWKS_PATH } from "../auth/discovery.ts";
import { errors, success } from "./docs.ts";
import { OAUTH_TAG } from "./oauth-docs.ts";

/**
 * How long (s) a JWKS may be cached: short, since a rotated key signs at once (verifiers that see an
 * unknown kid should refetch anyway).
 */
export const JWKS_MAX_AGE_S = 60;

const Metadata = Type.Object(
  {
    issuer: Type.String(),
    token_endpoint: Type.String(),
    jwks_uri: Type.String(),
    grant_types_supported: Type.Array(Type.String()),
    token_endpoint_auth_methods_supported: Type.Array(Type.String()),
    scopes_supported: Type.Array(Type.String()),
  },
  { additionalProperties: true },
);
const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });

/** Discovery (RFC 8414, OpenID Connect Discovery) and the JWKS of the built-in authorization server. */
export const oauthDiscovery: FastifyPluginAsync<{ server: AuthorizationServer }> = async (
  app,
  { server },
) => {
  const metadata = () => discoveryDocument(server.issuer, [...server.grants.keys()]);
  const example = { summary: "This server", value: metadata() };
  const methodNotAllowed = errors({
    code: "METHOD_NOT_ALLOWED",
    message: "POST is not allowed on /.well-known/openid-configuration; use GET.",
  });
  for (const [path, operationId, summary] of [
    ["/.well-known/openid-configuration", "getOpenIdConfiguration", "OpenID Connect discovery"],
    [
      "/.well-known/oauth-authorization-server",
      "getAuthorizationServerMetadata",
      "OAuth 2.0 server metadata",
    ],
  ] as const) {
    app.get(
      path,
      {
        schema: {
          summary,
          description:
            "The built-in authorization server's metadata: its issuer (the public URL), token endpoint, JWKS, grant types, client authentication methods and scopes. The same document at both well-known paths.",
          operationId,
          tags: [OAUTH_TAG],
          security: [],
          response: { 200: success(Metadata, "The metadata", { server: example }), ...methodNotAllowed },
        },
      },
      async () => metadata(),
    );
  }
  app.get(
    JWKS_PATH,
    {
      schema: {
        summary: "The token signing keys",
        description: `The public keys (ES256) of the access tokens this server issues: the signing key and the retired ones whose tokens may not have expired yet. Cacheable for ${JWKS_MAX_AGE_S} s; refetch on an unknown \`kid\`.`,
        operationId: "getJwks",
        tags: [OAUTH_TAG],
        security: [],
        response: {
          200: success(Jwks, "The key set", {
            oneKey: {
              summary: "One signing key",
              value: {
                keys: [
                  {
                    kty: "EC",
                    crv: "P-256",
                    x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                    y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
                    kid: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
                    use: "sig",
                    alg: "ES256",
                  },
                ],
              },
            },
          }),
          ...errors({ code: "INTERNAL", message: "Unknown server error. Typically a server bug." }),
        },
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", `public, max-age=${JWKS_MAX_AGE_S}`);
      return server.keys.jwks();
    },
  );
};
