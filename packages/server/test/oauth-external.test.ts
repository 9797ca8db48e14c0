import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, test } from "node:test";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from "jose";
import { ExternalClients } from "../src/auth/external-clients.ts";
import { ExternalIssuer } from "../src/auth/external-issuer.ts";
import type { WorkerEventMap } from "../src/events.ts";
import type { OpenQodOptions } from "../src/openqod.ts";
import { createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { IDP_TOKEN_TTL_S, startTestIdp, type TestIdp } from "./helpers/oidc-provider.ts";

/** The harness's public URL: the audience OpenQoD expects by default. */
const AUDIENCE = "http://127.0.0.1:9091";
const CREATE = "quality-on-demand:sessions:create";
const READ = "quality-on-demand:sessions:read";
const PROFILES = "qos-profiles:read";
const PHONE = "+36721601234567";
const SESSIONS = "/quality-on-demand/v1/sessions";

const CLIENTS = [
  { id: "app-1", scopes: [CREATE, READ, PROFILES, "other-api:read"] },
  { id: "app-2", scopes: [CREATE, READ] },
  { id: "app-device", scopes: [CREATE, READ, PROFILES], device: { phoneNumber: PHONE } },
  { id: "app-tel", scopes: [PROFILES], device: `tel:${PHONE}` },
  { id: "app-bad-device", scopes: [PROFILES], device: "fax:+3612345678" },
];

let idp: TestIdp | null = null;
let h: Harness | null = null;
let errors: WorkerEventMap["worker:error"][0][] = [];

afterEach(async () => {
  await h?.close();
  await idp?.close();
  h = null;
  idp = null;
});

async function setUp(
  options: { timings?: OpenQodOptions["externalIdp"] } = {},
): Promise<{ idp: TestIdp; h: Harness }> {
  idp = await startTestIdp({ audience: AUDIENCE, clients: CLIENTS });
  return { idp, h: await startOpenQod(idp.issuer, options.timings) };
}

/** An OpenQoD trusting `issuer`: it does not contact it until a token needs it. */
async function startOpenQod(issuer: string, timings: OpenQodOptions["externalIdp"] = {}): Promise<Harness> {
  h = await createHarness({ OPENQOD_OAUTH_ISSUER: issuer, OPENQOD_OAUTH_DEVICE_CLAIM: "device" }, undefined, {
    externalIdp: timings,
  });
  // The IdP stamps tokens with the real time; OpenQoD's (manual) clock starts there.
  h.clock.set(Date.now());
  errors = [];
  h.openqod.events.on("worker:error", (e) => errors.push(e));
  return h;
}

function as(harness: Harness, token: string, method: string, url: string, body?: unknown) {
  return harness.request(method, url, body, { key: token });
}

function assertError(
  response: { statusCode: number; json(): unknown },
  status: number,
  code: string,
  message?: RegExp,
): void {
  const body = response.json() as { status: number; code: string; message: string };
  assert.equal(response.statusCode, status, JSON.stringify(body));
  assert.equal(body.code, code);
  if (message !== undefined) assert.match(body.message, message);
}

/** A JWT with the given header, payload and signature parts, as a forger would write it. */
function compact(header: object, payload: object, signature = ""): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part(header)}.${part(payload)}.${signature}`;
}

describe("external identity provider (a real OpenID provider)", () => {
  test("its token creates and reads a session; its client becomes the OpenQoD client idp:<client_id>", async () => {
    const { idp, h } = await setUp();
    const token = await idp.token("app-1", { scope: `${CREATE} ${READ}` });
    const created = await as(h, token, "POST", SESSIONS, sessionBody());
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().sessionId as string;
    const read = await as(h, token, "GET", `${SESSIONS}/${id}`);
    assert.equal(read.statusCode, 200);
    assert.equal(read.json().sessionId, id);

    const client = await h.openqod.store.clientByName("idp:app-1");
    assert.ok(client !== undefined);
    assert.match(client.id, /^ext:[0-9a-f]{64}$/);
    assert.equal(client.hasSecret, false, "it authenticates only through the IdP");
    assert.equal(client.scopes, null);
  });

  test("sessions belong to the IdP's client: another IdP client, and an API key, get 403 PERMISSION_DENIED", async () => {
    const { idp, h } = await setUp();
    const mine = await idp.token("app-1", { scope: `${CREATE} ${READ}` });
    const id = (await as(h, mine, "POST", SESSIONS, sessionBody())).json().sessionId as string;
    const theirs = await idp.token("app-2", { scope: READ });
    assertError(await as(h, theirs, "GET", `${SESSIONS}/${id}`), 403, "PERMISSION_DENIED");
    assertError(await h.request("GET", `${SESSIONS}/${id}`), 403, "PERMISSION_DENIED");
  });

  test("a token without the operation's scope: 403 PERMISSION_DENIED (scopes OpenQoD does not know are ignored)", async () => {
    const { idp, h } = await setUp();
    const token = await idp.token("app-1", { scope: `${READ} other-api:read` });
    const response = await as(h, token, "POST", SESSIONS, sessionBody());
    assertError(response, 403, "PERMISSION_DENIED", /quality-on-demand:sessions:create/);
    assert.match(String(response.headers["www-authenticate"]), /insufficient_scope/);
  });

  test("a token for another audience: 401 UNAUTHENTICATED naming the audience", async () => {
    const { idp, h } = await setUp();
    const token = await idp.token("app-1", { scope: READ, resource: "https://other-api.example" });
    assert.equal(decodeJwt(token).aud, "https://other-api.example");
    const response = await as(h, token, "GET", `${SESSIONS}/00000000-0000-4000-8000-000000000000`);
    assertError(response, 401, "UNAUTHENTICATED", /aud must be "http:\/\/127\.0\.0\.1:9091"/);
    assert.equal(response.headers["www-authenticate"], 'Bearer error="invalid_token"');
  });

  test("an expired token: accepted up to 30 s past its exp (clock skew), then 401 UNAUTHENTICATED", async () => {
    const { idp, h } = await setUp();
    const token = await idp.token("app-1", { scope: PROFILES });
    const exp = decodeJwt(token).exp ?? 0;
    assert.ok(exp - Math.floor(Date.now() / 1000) <= IDP_TOKEN_TTL_S, "the IdP's own lifetime");
    h.clock.set(exp * 1000 + 29_000);
    assert.equal((await as(h, token, "GET", "/qos-profiles/v1/qos-profiles/QOS_L")).statusCode, 200);
    h.clock.set(exp * 1000 + 31_000);
    assertError(
      await as(h, token, "GET", "/qos-profiles/v1/qos-profiles/QOS_L"),
      401,
      "UNAUTHENTICATED",
      /expired/,
    );
  });

  test("forged tokens: another key under the IdP's kid, a tampered payload, alg none, HS256 keyed with the public key: 401", async () => {
    const { idp, h } = await setUp();
    const real = await idp.token("app-1", { scope: READ });
    const payload = decodeJwt(real);
    const header = { alg: "ES256", kid: idp.kid(), typ: "at+jwt" };
    const url = `${SESSIONS}/00000000-0000-4000-8000-000000000000`;
    // The real token passes authentication (404: no such session), so each refusal below is the forgery's.
    assertError(await as(h, real, "GET", url), 404, "NOT_FOUND");

    const { privateKey } = await generateKeyPair("ES256");
    const otherKey = await new SignJWT(payload).setProtectedHeader(header).sign(privateKey);
    assertError(await as(h, otherKey, "GET", url), 401, "UNAUTHENTICATED", /signature does not verify/);

    const [head, , signature] = real.split(".");
    const widened = compact({}, { ...payload, scope: `${CREATE} ${READ} openqod:sandbox` }).split(".")[1];
    const tampered = `${head}.${widened}.${signature}`;
    assertError(await as(h, tampered, "GET", url), 401, "UNAUTHENTICATED", /signature does not verify/);

    const none = compact({ alg: "none", typ: "at+jwt" }, payload);
    assertError(await as(h, none, "GET", url), 401, "UNAUTHENTICATED", /alg is not accepted/);

    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: object[] };
    const publicJwk = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    const confused = await new SignJWT(payload)
      .setProtectedHeader({ alg: "HS256", kid: idp.kid(), typ: "at+jwt" })
      .sign(publicJwk);
    assertError(await as(h, confused, "GET", url), 401, "UNAUTHENTICATED", /alg is not accepted/);
  });

  test("tokens signed with the IdP's key that are not usable here: typ, no exp, nbf ahead, no client: 401 saying which", async () => {
    const { idp, h } = await setUp();
    const url = "/qos-profiles/v1/qos-profiles/QOS_L";
    const base = decodeJwt(await idp.token("app-1", { scope: PROFILES }));
    assert.equal(
      (await as(h, await idp.sign(base), "GET", url)).statusCode,
      200,
      "the IdP's key, signed here",
    );
    const refused = async (token: Promise<string>, message: RegExp) =>
      assertError(await as(h, await token, "GET", url), 401, "UNAUTHENTICATED", message);
    await refused(idp.sign(base, { typ: "dpop+jwt" }), /typ "dpop\+jwt" is not an access token's/);
    const { exp: _exp, ...noExp } = base;
    await refused(idp.sign(noExp), /has no exp claim/);
    await refused(idp.sign({ ...base, nbf: Math.floor(h.clock.now() / 1000) + 120 }), /not valid yet/);
    const { client_id: _client, ...noClient } = base;
    await refused(idp.sign(noClient), /names no client/);
    await refused(idp.sign({ ...base, iss: `${idp.issuer}/` }), /issuer .* is not one this server trusts/);
  });

  test("scopes set on the IdP client's OpenQoD client narrow what its tokens may do (within 5 s)", async () => {
    const { idp, h } = await setUp();
    const url = "/qos-profiles/v1/qos-profiles/QOS_L";
    const token = await idp.token("app-1", { scope: `${PROFILES} ${READ}` });
    assert.equal((await as(h, token, "GET", url)).statusCode, 200);
    await h.openqod.store.updateClient("idp:app-1", { scopes: [READ] });
    h.clock.advance(5_000);
    assertError(await as(h, token, "GET", url), 403, "PERMISSION_DENIED", /qos-profiles:read/);
  });

  test("an unknown kid makes OpenQoD fetch the JWKS again: the rotated key's tokens are accepted, the dropped key's refused", async () => {
    const { idp, h } = await setUp({ timings: { cooldownMs: 0 } });
    const url = "/qos-profiles/v1/qos-profiles/QOS_L";
    const before = await idp.token("app-1", { scope: PROFILES });
    assert.equal((await as(h, before, "GET", url)).statusCode, 200);
    await idp.rotateKeys();
    const after = await idp.token("app-1", { scope: PROFILES });
    assert.notEqual(decodeProtectedHeader(after).kid, decodeProtectedHeader(before).kid);
    assert.equal((await as(h, after, "GET", url)).statusCode, 200);
    assertError(await as(h, before, "GET", url), 401, "UNAUTHENTICATED", /publishes no key matching/);
    assert.equal(idp.requests.filter((p) => p === "/.well-known/openid-configuration").length, 1);
    assert.equal(
      idp.requests.filter((p) => p === "/jwks").length,
      3,
      "the first, the new kid, the dropped kid",
    );
  });

  test("the JWKS is cached: many tokens, one discovery and one JWKS fetch; within the cooldown an unknown kid is refused without asking", async () => {
    const { idp, h } = await setUp();
    const url = "/qos-profiles/v1/qos-profiles/QOS_L";
    for (let i = 0; i < 5; i++) {
      const token = await idp.token(i % 2 === 0 ? "app-1" : "app-tel", { scope: PROFILES });
      assert.equal((await as(h, token, "GET", url)).statusCode, 200);
    }
    await idp.rotateKeys();
    const rotated = await idp.token("app-1", { scope: PROFILES });
    assertError(await as(h, rotated, "GET", url), 401, "UNAUTHENTICATED", /publishes no key matching/);
    assert.equal(idp.requests.filter((p) => p === "/.well-known/openid-configuration").length, 1);
    assert.equal(idp.requests.filter((p) => p === "/jwks").length, 1);
  });

  test("an IdP down at start: OpenQoD starts, tokens get 503 UNAVAILABLE with Retry-After (logged), and work once it is back", async () => {
    idp = await startTestIdp({ audience: AUDIENCE, clients: CLIENTS });
    const token = await idp.token("app-1", { scope: PROFILES });
    await idp.stop();
    const down = { idp, h: await startOpenQod(idp.issuer) };
    const url = "/qos-profiles/v1/qos-profiles/QOS_L";
    const first = await as(down.h, token, "GET", url);
    assertError(first, 503, "UNAVAILABLE", /identity provider .* cannot be reached/);
    assert.equal(first.headers["retry-after"], "10");
    assert.deepEqual(
      errors.map((e) => e.worker),
      ["identity-provider"],
    );
    assert.match(
      String(errors[0]?.error),
      /cannot reach http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration/,
    );

    // Within Retry-After the IdP is not asked again: no new failure is logged.
    down.h.clock.advance(4_000);
    const second = await as(down.h, token, "GET", url);
    assertError(second, 503, "UNAVAILABLE");
    assert.equal(second.headers["retry-after"], "6");
    assert.equal(errors.length, 1);

    await down.idp.start();
    const fresh = await down.idp.token("app-1", { scope: PROFILES });
    down.h.clock.advance(6_000);
    assert.equal((await as(down.h, fresh, "GET", url)).statusCode, 200);
  });

  test("startWorkers reads the discovery document in the background: an unreachable IdP is logged before any token", async () => {
    idp = await startTestIdp({ audience: AUDIENCE, clients: CLIENTS });
    await idp.stop();
    const h = await startOpenQod(idp.issuer);
    const logged = once(h.openqod.events, "worker:error", { signal: AbortSignal.timeout(5_000) });
    h.openqod.startWorkers();
    const [event] = await logged;
    assert.equal(event.worker, "identity-provider");
    assert.match(String(event.error), /cannot reach/);
  });

  test("while the IdP is down, tokens of keys in hand still work; a token needing a key fetch gets 503", async () => {
    const { idp, h } = await setUp({ timings: { cooldownMs: 0 } });
    const url = "/qos-profiles/v1/qos-profiles/QOS_L";
    const token = await idp.token("app-1", { scope: PROFILES });
    assert.equal((await as(h, token, "GET", url)).statusCode, 200);
    await idp.stop();
    assert.equal((await as(h, token, "GET", url)).statusCode, 200);
    const { privateKey } = await generateKeyPair("ES256");
    const newKid = await new SignJWT(decodeJwt(token))
      .setProtectedHeader({ alg: "ES256", kid: "a-key-not-seen-yet", typ: "at+jwt" })
      .sign(privateKey);
    const response = await as(h, newKid, "GET", url);
    assertError(response, 503, "UNAVAILABLE");
    assert.equal(response.headers["retry-after"], "10");
    assert.equal(errors.at(-1)?.worker, "identity-provider");
  });

  test("revoking the IdP client's OpenQoD client stops its tokens within the key cache time (5 s)", async () => {
    const { idp, h } = await setUp();
    const url = "/qos-profiles/v1/qos-profiles/QOS_L";
    const token = await idp.token("app-1", { scope: PROFILES });
    assert.equal((await as(h, token, "GET", url)).statusCode, 200);
    assert.equal(await h.openqod.store.revokeClient("idp:app-1", h.clock.now()), true);
    h.clock.advance(5_000);
    assertError(await as(h, token, "GET", url), 401, "UNAUTHENTICATED", /idp:app-1 is revoked/);
  });

  test("a device-bound token: the device claim (a Device object or tel:…) becomes the principal's device", async () => {
    const { idp, h } = await setUp();
    const verifier = new ExternalIssuer({
      issuer: idp.issuer,
      audience: AUDIENCE,
      algorithms: ["ES256"],
      scopeClaim: "scope",
      clientClaim: "client_id",
      deviceClaim: "device",
      clients: new ExternalClients(h.openqod.store, { issuer: idp.issuer, clock: h.clock }),
      clock: h.clock,
    });
    const bound = await verifier.verify(await idp.token("app-device", { scope: `${CREATE} ${PROFILES}` }));
    assert.deepEqual(bound.device, { phoneNumber: PHONE });
    assert.deepEqual([...bound.scopes].sort(), [PROFILES, CREATE]);
    assert.equal(bound.name, "idp:app-device");
    const tel = await verifier.verify(await idp.token("app-tel", { scope: PROFILES }));
    assert.deepEqual(tel.device, { phoneNumber: PHONE });
    const twoLegged = await verifier.verify(await idp.token("app-1", { scope: PROFILES }));
    assert.equal(twoLegged.device, null);
    // Through the server: the bound token authenticates.
    const token = await idp.token("app-tel", { scope: PROFILES });
    assert.equal((await as(h, token, "GET", "/qos-profiles/v1/qos-profiles/QOS_L")).statusCode, 200);
    const bad = await idp.token("app-bad-device", { scope: PROFILES });
    assertError(
      await as(h, bad, "GET", "/qos-profiles/v1/qos-profiles/QOS_L"),
      401,
      "UNAUTHENTICATED",
      /device claim is not a device: a device string must start with tel:, ipv4: or ipv6:/,
    );
  });

  test("an IdP client gets one OpenQoD client even when instances meet it at once", async () => {
    const { idp, h } = await setUp();
    const instances = [0, 1, 2].map(
      () => new ExternalClients(h.openqod.store, { issuer: idp.issuer, clock: h.clock }),
    );
    const records = await Promise.all(
      instances.flatMap((clients) => [clients.resolve("racer"), clients.resolve("racer")]),
    );
    assert.equal(new Set(records.map((r) => r.id)).size, 1);
    const rows = (await h.openqod.store.listClients()).filter((c) => c.name === "idp:racer");
    assert.equal(rows.length, 1);
  });
});

describe("external identity provider metadata", () => {
  /** An authorization server with only RFC 8414 metadata, naming `named` as its issuer. */
  async function staticIdp(named: (self: string) => string) {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "static-1", alg: "ES256", use: "sig" };
    const served: string[] = [];
    const server = createServer((req, res) => {
      served.push(req.url ?? "");
      const self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const json = (body: unknown) =>
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.url === "/.well-known/oauth-authorization-server")
        json({ issuer: named(self), jwks_uri: `${self}/keys`, token_endpoint: `${self}/token` });
      else if (req.url === "/keys") json({ keys: [jwk] });
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const token = () =>
      new SignJWT({ client_id: "static-app", scope: PROFILES })
        .setProtectedHeader({ alg: "ES256", kid: "static-1", typ: "at+jwt" })
        .setIssuer(issuer)
        .setAudience(AUDIENCE)
        .setIssuedAt(Math.floor(Date.now() / 1000))
        .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
        .sign(privateKey);
    return { issuer, served, token, close: () => new Promise((r) => server.close(r)) };
  }

  test("without an OpenID discovery document, RFC 8414's oauth-authorization-server is read", async () => {
    const idp = await staticIdp((self) => self);
    try {
      const h = await startOpenQod(idp.issuer);
      const response = await as(h, await idp.token(), "GET", "/qos-profiles/v1/qos-profiles/QOS_L");
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(idp.served, [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/keys",
      ]);
    } finally {
      await idp.close();
    }
  });

  test("a discovery document naming another issuer is not used: 503 UNAVAILABLE, logged", async () => {
    const idp = await staticIdp(() => "https://someone-else.example");
    try {
      const h = await startOpenQod(idp.issuer);
      const response = await as(h, await idp.token(), "GET", "/qos-profiles/v1/qos-profiles/QOS_L");
      assertError(response, 503, "UNAVAILABLE");
      assert.match(String(errors[0]?.error), /names the issuer "https:\/\/someone-else\.example"/);
      assert.ok(!idp.served.includes("/keys"), "its keys are never fetched");
    } finally {
      await idp.close();
    }
  });
});
