import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { exportJWK, generateKeyPair } from "jose";
import {
  cibaAuth,
  NetworkAsCodeClient,
  OAuthError,
  PermissionDeniedError,
  type PrivateJwk,
} from "../src/index.ts";
import { startOpenQod } from "./server.ts";

const SESSION = {
  profile: "QOS_L",
  serviceIpv4: "233.252.0.2",
  duration: 60,
} as const;

/**
 * The SDK's OAuth2 against OpenQoD's own authorization server, end to end: discovery, each client
 * authentication method, scopes, and a device-bound token by CIBA. No fake on either side.
 */
describe("the SDK against OpenQoD's authorization server", () => {
  let server: Awaited<ReturnType<typeof startOpenQod>>;
  let sandbox: { clientId: string; secret: string };

  before(async () => {
    server = await startOpenQod({ OPENQOD_CIBA_INTERVAL: "1s" });
    const client = server.openqod.sandboxClient;
    assert.ok(client !== null && client.secret !== null);
    sandbox = { clientId: client.clientId, secret: client.secret };
  });
  after(() => server.close());

  test("client_secret_basic found by discovery: a session is created, read and deleted with a token", async () => {
    const client = new NetworkAsCodeClient({
      baseUrl: server.url,
      oauth2: { issuer: server.url, clientId: sandbox.clientId, clientSecret: sandbox.secret },
    });
    const device = client.devices.get({ phoneNumber: "+36721601234501" });
    const session = await device.createQodSession(SESSION);
    assert.equal(session.status, "AVAILABLE");
    assert.equal((await device.sessions()).length, 1);
    await session.delete();
    assert.deepEqual(await device.sessions(), []);
  });

  test("client_secret_post with a narrower scope: what the token lacks is 403 PERMISSION_DENIED", async () => {
    const client = new NetworkAsCodeClient({
      baseUrl: server.url,
      oauth2: {
        tokenUrl: `${server.url}/oauth2/v1/token`,
        clientId: sandbox.clientId,
        clientSecret: sandbox.secret,
        method: "client_secret_post",
        scope: "qos-profiles:read",
      },
    });
    assert.ok((await client.qosProfiles.list()).some((p) => p.name === "QOS_L"));
    await assert.rejects(
      client.devices.get({ phoneNumber: "+36721601234502" }).createQodSession(SESSION),
      (error: unknown) =>
        error instanceof PermissionDeniedError && error.status === 403 && error.code === "PERMISSION_DENIED",
    );
  });

  test("private_key_jwt: a client that registered its public key gets a token with an ES256 assertion", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: "app-key-1", alg: "ES256", use: "sig" };
    const created = await server.openqod.apiKeys.create("keyed-app", Date.now(), {
      jwks: { keys: [publicJwk] },
    });
    const client = new NetworkAsCodeClient({
      baseUrl: server.url,
      oauth2: {
        issuer: server.url,
        clientId: created.clientId,
        method: "private_key_jwt",
        privateKey: (await exportJWK(privateKey)) as PrivateJwk,
        alg: "ES256",
        kid: "app-key-1",
      },
    });
    const session = await client.devices.get({ phoneNumber: "+36721601234503" }).createQodSession(SESSION);
    assert.equal(session.status, "AVAILABLE");
    // The session is the keyed client's: the sandbox client's API key does not reach it.
    const other = new NetworkAsCodeClient({ baseUrl: server.url, token: "sdk-test-key-0123456789" });
    await assert.rejects(
      other.sessions.get(session.id),
      (error: unknown) => error instanceof PermissionDeniedError,
    );
  });

  test("CIBA: a device-bound token creates a session without naming the device; a device in the body is 422", async () => {
    const auth = await cibaAuth({
      issuer: server.url,
      clientId: sandbox.clientId,
      clientSecret: sandbox.secret,
      loginHint: "tel:+36721601234504",
      scope:
        "quality-on-demand:sessions:create quality-on-demand:sessions:read quality-on-demand:sessions:retrieve-by-device",
    });
    assert.deepEqual(auth.boundDevice, { phoneNumber: "+36721601234504" });
    const client = new NetworkAsCodeClient({ baseUrl: server.url, auth });
    const device = client.devices.get();
    const session = await device.createQodSession(SESSION);
    assert.equal(session.status, "AVAILABLE");
    assert.equal((await device.sessions()).length, 1);
    // The same token with a device in the body, sent without the SDK's own guard.
    const token = (await auth.headers({ fetch, signal: new AbortController().signal, timeoutMs: 5_000 }))
      .authorization;
    const raw = await fetch(`${server.url}/quality-on-demand/v1/sessions`, {
      method: "POST",
      headers: { authorization: token ?? "", "content-type": "application/json" },
      body: JSON.stringify({
        device: { phoneNumber: "+36721601234504" },
        applicationServer: { ipv4Address: "233.252.0.2" },
        qosProfile: "QOS_L",
        duration: 60,
      }),
    });
    assert.equal(raw.status, 422);
    assert.equal(((await raw.json()) as { code: string }).code, "UNNECESSARY_IDENTIFIER");
  });

  test("CIBA: a device whose user denies consent ends the flow with access_denied", async () => {
    await assert.rejects(
      cibaAuth({
        issuer: server.url,
        clientId: sandbox.clientId,
        clientSecret: sandbox.secret,
        loginHint: "tel:+99999990403",
        scope: "quality-on-demand:sessions:create",
      }),
      (error: unknown) => error instanceof OAuthError && error.error === "access_denied",
    );
  });
});
