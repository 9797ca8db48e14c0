import type { FastifyInstance } from "fastify";
import { KNOWN_SCOPES, scopeOf } from "../auth/scopes.ts";

/**
 * The security schemes of the OpenAPI document: CAMARA's `openId` (discovery at the public URL), the same
 * authorization server as an OAuth2 client-credentials flow (so tools such as the API reference can fetch
 * a token), and OpenQoD's API keys, which carry every scope of their client.
 */
export function securitySchemes(publicUrl: string) {
  return {
    openId: {
      type: "openIdConnect" as const,
      openIdConnectUrl: `${publicUrl}/.well-known/openid-configuration`,
      description:
        "OAuth2 access tokens (JWT) from OpenQoD's authorization server or the operator's identity provider: two-legged (client credentials) or device-bound (CIBA). Each operation names the scope it needs.",
    },
    oauth2: {
      type: "oauth2" as const,
      description: "The client-credentials grant of OpenQoD's own authorization server.",
      flows: {
        clientCredentials: {
          tokenUrl: `${publicUrl}/oauth2/v1/token`,
          scopes: Object.fromEntries(KNOWN_SCOPES.map((s) => [s, `Operations that need ${s}`])),
        },
      },
    },
    apiKey: {
      type: "http" as const,
      scheme: "bearer",
      description:
        "An OpenQoD API key: `Authorization: Bearer <key>` (or the key alone in `x-rapidapi-key`, as Network-as-Code SDKs send it). It carries every scope of its client. The sandbox prints its key at start-up; `npx openqod clients create NAME` makes another.",
    },
  };
}

/**
 * States on every authenticated operation the scope it needs (auth/scopes.ts), as CAMARA's definitions
 * do. Install before the routes: it edits each route's schema as the route is added.
 */
export function documentScopes(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    const scope = scopeOf(route.schema?.operationId);
    if (scope === undefined || route.schema === undefined) return;
    route.schema.security = [{ openId: [scope] }, { oauth2: [scope] }, { apiKey: [] }];
  });
}
