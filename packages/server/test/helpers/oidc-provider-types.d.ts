/**
 * The little of oidc-provider (which ships no types) that the test IdP uses: a constructor taking the
 * issuer and a configuration, and the Node request handler.
 */
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export interface ResourceServer {
    scope: string;
    audience: string;
    accessTokenFormat: "jwt" | "opaque";
    accessTokenTTL?: number;
    jwt?: { sign?: { alg: string } };
  }

  export interface Configuration {
    clients?: Record<string, unknown>[];
    clientDefaults?: Record<string, unknown>;
    jwks?: { keys: Record<string, unknown>[] };
    scopes?: string[];
    ttl?: Record<string, number>;
    features?: {
      devInteractions?: { enabled: boolean };
      clientCredentials?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (ctx: unknown, client: unknown) => string;
        useGrantedResource?: () => boolean;
        getResourceServerInfo?: (ctx: unknown, resource: string, client: unknown) => ResourceServer;
      };
    };
    extraTokenClaims?: (
      ctx: unknown,
      token: { clientId?: string },
    ) => Promise<Record<string, unknown> | undefined>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
