import assert from "node:assert/strict";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, type TestContext, test } from "node:test";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { errors } from "oidc-provider";
import {
  type Auth,
  type Clock,
  cibaAuth,
  NetworkAsCodeClient,
  type OAuth2ClientCredentials,
  OAuthError,
  type PrivateJwk,
} from "../src/index.ts";
import { oauth2Auth } from "../src/oauth2/client-credentials.ts";

const SCOPE = "quality-on-demand:sessions:read";
const PHONE = "+36701234567";

/** What `triggerAuthenticationDevice` was given: the request to approve or deny. */
interface Pending {
  request: { accountId: string; clientId: string };
}

/**
 * A real OpenID provider (oidc-provider, certified) on 127.0.0.1 with client credentials and CIBA in
 * poll mode; the test approves or denies each CIBA request itself. Clients: one per authentication
 * method, the private_key_jwt ones with the public keys of `keys`.
 */
async function startProvider(
  t: TestContext,
  keys: Record<"ES256" | "RS256" | "PS256", PrivateJwk & Record<string, unknown>>,
) {
  let handler: RequestListener = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pending: Pending[] = [];
  const publicOf = ({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest }: PrivateJwk) => rest;
  const common = {
    redirect_uris: [],
    response_types: [],
    grant_types: ["client_credentials", "urn:openid:params:grant-type:ciba"],
    backchannel_token_delivery_mode: "poll",
    scope: `openid ${SCOPE}`,
  };
  // Its own signing key, so it does not fall back to (and warn about) its development keys.
  const { privateKey: signing } = await generateKeyPair("RS256", { extractable: true });
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(signing)), alg: "RS256", use: "sig" }] },
    clients: [
      {
        ...common,
        client_id: "basic",
        client_secret: "s3c:r/t+",
        token_endpoint_auth_method: "client_secret_basic",
      },
      {
        ...common,
        client_id: "post",
        client_secret: "s3cret",
        token_endpoint_auth_method: "client_secret_post",
      },
      ...(["ES256", "RS256", "PS256"] as const).map((alg) => ({
        ...common,
        client_id: `jwt-${alg}`,
        token_endpoint_auth_method: "private_key_jwt",
        token_endpoint_auth_signing_alg: alg,
        jwks: { keys: [publicOf(keys[alg])] },
      })),
    ],
    scopes: ["openid", SCOPE],
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      ciba: {
        enabled: true,
        deliveryModes: ["poll"],
        processLoginHint: async (_ctx: unknown, hint: string) => hint,
        validateRequestContext: async () => {},
        verifyUserCode: async () => {},
        triggerAuthenticationDevice: async (_ctx: unknown, request: Pending["request"]) => {
          pending.push({ request });
        },
      },
    },
  });
  handler = provider.callback();
  const granted: string[] = [];
  provider.on("grant.success", (ctx: { oidc: { client: { clientId: string } } }) => {
    granted.push(ctx.oidc.client.clientId);
  });
  return {
    issuer,
    /** The client of each token the provider issued, in order. */
    granted,
    /** Approves (or, with `false`, denies) the oldest CIBA request not yet answered. */
    async answer(approve: boolean) {
      const next = pending.shift();
      assert.ok(next, "a CIBA request is waiting");
      if (!approve)
        return provider.backchannelResult(next.request, new errors.AccessDenied("the user said no"));
      const grant = new provider.Grant({
        clientId: next.request.clientId,
        accountId: next.request.accountId,
      });
      grant.addOIDCScope("openid");
      grant.addResourceScope?.(issuer, SCOPE);
      await grant.save();
      return provider.backchannelResult(next.request, grant);
    },
  };
}

/** A clock whose sleeps return at once, and which runs `onSleep(n)` before the n-th returns. */
function steppedClock(onSleep: (n: number) => Promise<unknown> = async () => {}) {
  const waits: number[] = [];
  const clock: Clock = {
    now: () => Date.now(),
    sleep: async (ms) => {
      waits.push(ms);
      await onSleep(waits.length);
    },
  };
  return { clock, waits };
}

const bearer = (auth: Auth) =>
  auth
    .headers({ fetch, signal: new AbortController().signal, timeoutMs: 5_000 })
    .then((h) => h.authorization ?? "");

async function keyPairs() {
  const keys = {} as Record<"ES256" | "RS256" | "PS256", PrivateJwk & Record<string, unknown>>;
  for (const alg of ["ES256", "RS256", "PS256"] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    keys[alg] = { ...((await exportJWK(privateKey)) as PrivateJwk), kid: `k-${alg}` };
  }
  return keys;
}

describe("against a real OpenID provider (oidc-provider): what the SDK sends is what the specs say", {
  timeout: 30_000,
}, () => {
  test("client credentials by discovery with client_secret_basic, client_secret_post and private_key_jwt (ES256, RS256, PS256)", async (t) => {
    const keys = await keyPairs();
    const op = await startProvider(t, keys);
    const credentials: OAuth2ClientCredentials[] = [
      { issuer: op.issuer, clientId: "basic", clientSecret: "s3c:r/t+", scope: SCOPE },
      {
        issuer: op.issuer,
        clientId: "post",
        clientSecret: "s3cret",
        method: "client_secret_post",
        scope: SCOPE,
      },
      ...(["ES256", "RS256", "PS256"] as const).map(
        (alg): OAuth2ClientCredentials => ({
          issuer: op.issuer,
          clientId: `jwt-${alg}`,
          method: "private_key_jwt",
          privateKey: keys[alg],
          alg,
          scope: SCOPE,
        }),
      ),
    ];
    for (const oauth2 of credentials) {
      assert.match(await bearer(oauth2Auth(oauth2)), /^Bearer \S{20,}$/, oauth2.clientId);
    }
    assert.deepEqual(op.granted, ["basic", "post", "jwt-ES256", "jwt-RS256", "jwt-PS256"]);
  });

  test("a wrong secret is invalid_client (401) from the provider", async (t) => {
    const op = await startProvider(t, await keyPairs());
    const client = new NetworkAsCodeClient({
      target: "camara",
      baseUrl: op.issuer,
      oauth2: { issuer: op.issuer, clientId: "basic", clientSecret: "wrong" },
      maxRetries: 0,
    });
    const error = await client.sessions.get("s-1").catch((e: unknown) => e);
    assert.ok(error instanceof OAuthError, String(error));
    assert.equal(error.status, 401);
    assert.equal(error.error, "invalid_client");
  });

  test("CIBA: pending until the user approves, then a token; with private_key_jwt", async (t) => {
    const keys = await keyPairs();
    const op = await startProvider(t, keys);
    const time = steppedClock(async (n) => {
      if (n === 2) await op.answer(true); // after one authorization_pending poll
    });
    const auth = await cibaAuth({
      issuer: op.issuer,
      clientId: "jwt-ES256",
      method: "private_key_jwt",
      privateKey: keys.ES256,
      alg: "ES256",
      loginHint: `tel:${PHONE}`,
      scope: SCOPE,
      clock: time.clock,
    });
    assert.equal(time.waits.length, 2, "one poll answered authorization_pending, the next the token");
    assert.deepEqual(op.granted, ["jwt-ES256"]);
    assert.match(await bearer(auth), /^Bearer \S+$/);
    assert.deepEqual(auth.boundDevice, { phoneNumber: PHONE });
  });

  test("CIBA: the user's denial is access_denied", async (t) => {
    const op = await startProvider(t, await keyPairs());
    const time = steppedClock(async (n) => {
      if (n === 1) await op.answer(false);
    });
    const error = await cibaAuth({
      issuer: op.issuer,
      clientId: "basic",
      clientSecret: "s3c:r/t+",
      loginHint: `tel:${PHONE}`,
      scope: SCOPE,
      clock: time.clock,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof OAuthError, String(error));
    assert.equal(error.error, "access_denied");
    assert.match(error.message, /the user denied the authentication request/);
  });
});
