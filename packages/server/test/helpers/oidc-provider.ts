import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import Provider from "oidc-provider";
import { ALL_SCOPES } from "../../src/auth/scopes.ts";

/** A client registered at the test IdP: client_credentials only, with a client secret. */
export interface IdpClient {
  id: string;
  /** The scopes it may ask for. */
  scopes: string[];
  /** Added to its tokens as the `device` claim (a device-bound token). */
  device?: unknown;
}

/** A real OpenID provider (panva's oidc-provider) on 127.0.0.1, issuing JWT access tokens. */
export interface TestIdp {
  readonly issuer: string;
  /** The paths of the requests it answered, in order (discovery, JWKS, token). */
  readonly requests: string[];
  /** The `kid` of its signing key. */
  kid(): string;
  /** Signs `payload` with its current key, as it would (header: alg ES256, its kid, typ at+jwt, unless overridden). */
  sign(payload: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  /** A client_credentials access token (`resource`: the audience; default the IdP's configured one). */
  token(clientId: string, options?: { scope?: string; resource?: string }): Promise<string>;
  /** Replaces the provider by one with a new signing key (a new `kid`), same issuer and port. */
  rotateKeys(): Promise<void>;
  /** Stops listening: connections are refused (the IdP is down). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export const IDP_SECRET = "a-client-secret-long-enough-for-the-idp";
/** Access token lifetime at the test IdP (s). */
export const IDP_TOKEN_TTL_S = 60;

/**
 * Starts an OpenID provider whose access tokens are JWTs (RFC 9068) for `audience`, signed with ES256.
 * Tokens carry `scope` (space-separated), `client_id`, and for a client with a device, `device`.
 */
export async function startTestIdp(options: { audience: string; clients: IdpClient[] }): Promise<TestIdp> {
  const requests: string[] = [];
  let handler: ReturnType<Provider["callback"]> | null = null;
  let server: Server = listenerFor();
  function listenerFor(): Server {
    return createServer((req, res) => {
      requests.push(new URL(req.url ?? "/", "http://x").pathname);
      if (handler === null) res.writeHead(503).end();
      else handler(req, res);
    });
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  let kid = "";
  let signingKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"] | null = null;
  const generation = { n: 0 };

  async function makeProvider(): Promise<void> {
    generation.n += 1;
    kid = `key-${generation.n}`;
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    signingKey = privateKey;
    const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: "ES256", use: "sig" };
    const devices = new Map(options.clients.map((c) => [c.id, c.device]));
    const provider = new Provider(issuer, {
      clients: options.clients.map((c) => ({
        client_id: c.id,
        client_secret: IDP_SECRET,
        grant_types: ["client_credentials"],
        redirect_uris: [],
        response_types: [],
        scope: c.scopes.join(" "),
      })),
      clientDefaults: { id_token_signed_response_alg: "ES256" },
      jwks: { keys: [jwk] },
      scopes: [...ALL_SCOPES, "other-api:read"],
      ttl: { ClientCredentials: IDP_TOKEN_TTL_S },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => options.audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => ({
            scope: [...ALL_SCOPES, "other-api:read"].join(" "),
            audience: resource,
            accessTokenFormat: "jwt",
            accessTokenTTL: IDP_TOKEN_TTL_S,
            jwt: { sign: { alg: "ES256" } },
          }),
        },
      },
      extraTokenClaims: async (_ctx, token) => {
        const device = token.clientId === undefined ? undefined : devices.get(token.clientId);
        return device === undefined ? undefined : { device };
      },
    });
    handler = provider.callback();
  }
  await makeProvider();

  const close = (s: Server) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });

  return {
    issuer,
    requests,
    kid: () => kid,
    async sign(payload, header = {}) {
      if (signingKey === null) throw new Error("the IdP has no key yet");
      return new SignJWT(payload)
        .setProtectedHeader({ alg: "ES256", kid, typ: "at+jwt", ...header })
        .sign(signingKey);
    },
    async token(clientId, { scope, resource } = {}) {
      const body = new URLSearchParams({ grant_type: "client_credentials" });
      if (scope !== undefined) body.set("scope", scope);
      if (resource !== undefined) body.set("resource", resource);
      const response = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${clientId}:${IDP_SECRET}`).toString("base64")}`,
        },
        body,
      });
      const answer = (await response.json()) as { access_token?: string };
      if (response.status !== 200 || answer.access_token === undefined)
        throw new Error(`the IdP refused a token: ${response.status} ${JSON.stringify(answer)}`);
      return answer.access_token;
    },
    rotateKeys: makeProvider,
    stop: () => close(server),
    async start() {
      server = listenerFor();
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    },
    close: () => (server.listening ? close(server) : Promise.resolve()),
  };
}
