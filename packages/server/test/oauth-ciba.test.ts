import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from "jose";
import { sql } from "kysely";
import { ConfigError, loadConfig } from "../src/config.ts";
import { EXPIRED_GRACE_MS } from "../src/store/auth-requests.ts";
import { bcAuthorize, CIBA_GRANT, cibaToken, pollCiba, startCiba } from "./helpers/ciba.ts";
import { dropDatabase } from "./helpers/engine.ts";
import { createHarness, type Harness, NETWORK, sessionBody } from "./helpers/harness.ts";
import { basic, newOAuthClient, tokenRequest } from "./helpers/oauth.ts";

const ISSUER = "http://127.0.0.1:9091";
const BASE = "/quality-on-demand/v1";
const CREATE = "quality-on-demand:sessions:create";
const READ = "quality-on-demand:sessions:read";
/** Every test here sends many requests from one address; the limit has a test of its own. */
const UNLIMITED = { OPENQOD_TOKEN_RATE_BURST: "100000" };

/** Asserts an OAuth error answer: the status, RFC 6749's `error` and CAMARA's `code`. */
function assertOAuthError(
  res: { statusCode: number; body: string; json(): Record<string, unknown> },
  status: number,
  error: string,
) {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.equal(body.error, error, res.body);
  assert.equal(body.code, status === 401 ? "UNAUTHENTICATED" : "INVALID_ARGUMENT");
  assert.equal(typeof body.error_description, "string");
}

describe("CIBA: backchannel authentication and the ciba grant", () => {
  let h: Harness;
  let client: { clientId: string; secret: string; key: string };
  before(async () => {
    h = await createHarness(UNLIMITED);
    client = await newOAuthClient(h, "ciba-acme");
  });
  after(() => h.close());

  test("discovery names the backchannel endpoint, the ciba grant and poll mode", async () => {
    const doc = (
      await h.request("GET", "/.well-known/openid-configuration", undefined, { key: null })
    ).json();
    assert.equal(doc.backchannel_authentication_endpoint, `${ISSUER}/oauth2/v1/bc-authorize`);
    assert.ok(doc.grant_types_supported.includes(CIBA_GRANT));
    assert.deepEqual(doc.backchannel_token_delivery_modes_supported, ["poll"]);
  });

  for (const [hint, device] of [
    ["tel:+36701234567", { phoneNumber: "+36701234567" }],
    ["ipv4:203.0.113.7", { ipv4Address: { publicAddress: "203.0.113.7", privateAddress: "203.0.113.7" } }],
    ["ipv4:203.0.113.7:4242", { ipv4Address: { publicAddress: "203.0.113.7", publicPort: 4242 } }],
    ["ipv6:2001:db8::7", { ipv6Address: "2001:db8::7" }],
  ] as const) {
    test(`login_hint ${hint}: a token bound to that device, with a pseudonymous sub`, async () => {
      const res = await bcAuthorize(
        h,
        { scope: `openid ${CREATE}`, login_hint: hint, binding_message: "Open 42" },
        basic(client.clientId, client.secret),
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers["cache-control"], "no-store");
      const started = res.json();
      assert.deepEqual(Object.keys(started).sort(), ["auth_req_id", "expires_in", "interval"]);
      assert.equal(started.expires_in, 300);
      assert.equal(started.interval, 5);
      assert.ok(Buffer.from(started.auth_req_id, "base64url").length >= 16, "at least 128 random bits");
      const token = await pollCiba(h, client, started.auth_req_id);
      assert.equal(token.statusCode, 200, token.body);
      assert.equal(token.headers["cache-control"], "no-store");
      assert.equal(token.json().scope, CREATE, "openid is for the request, not the API");
      const claims = decodeJwt(token.json().access_token);
      assert.deepEqual(claims.device, device);
      assert.equal(claims.client_id, client.clientId);
      assert.match(claims.sub ?? "", /^device:[A-Za-z0-9_-]{43}$/);
      assert.ok(!(claims.sub ?? "").includes("203.0.113.7") && !(claims.sub ?? "").includes("3670"));
    });
  }

  test("scope openid alone gets every scope of the client", async () => {
    const token = await cibaToken(h, client, "tel:+36701234568");
    assert.ok(String(decodeJwt(token).scope).split(" ").includes(READ));
  });

  test("a scope taken from the client between the request and the poll is not in the token", async () => {
    const shrinking = await newOAuthClient(h, "ciba-shrinking", { scopes: [CREATE, READ] });
    const { auth_req_id } = await startCiba(h, shrinking, {
      scope: `openid ${CREATE} ${READ}`,
      login_hint: "tel:+36701234580",
    });
    await h.openqod.store.updateClient("ciba-shrinking", { scopes: [READ] });
    const res = await pollCiba(h, shrinking, auth_req_id);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().scope, READ);
  });

  test("the database keeps the auth_req_id's hash, not the id", async () => {
    const { auth_req_id } = await startCiba(h, client, { scope: "openid", login_hint: "tel:+36701234569" });
    const rows = await sql<{ id_hash: string }>`select id_hash from ciba_requests`.execute(
      h.openqod.store.db,
    );
    const hash = createHash("sha256").update(auth_req_id).digest("hex");
    assert.ok(rows.rows.some((r) => r.id_hash === hash));
    assert.ok(!rows.rows.some((r) => r.id_hash === auth_req_id));
  });

  test("a consent after 5 s: authorization_pending, slow_down (the interval grows by 5 s), then the token", async () => {
    const { auth_req_id, interval } = await startCiba(h, client, {
      scope: "openid",
      login_hint: "tel:+99999990100",
    });
    assert.equal(interval, 5);
    assertOAuthError(await pollCiba(h, client, auth_req_id), 400, "authorization_pending");
    h.clock.advance(1_000);
    assertOAuthError(await pollCiba(h, client, auth_req_id), 400, "slow_down");
    // Consent is there (6 s in) but the interval is 10 s now since the last poll: still too fast.
    h.clock.advance(5_000);
    const slower = await pollCiba(h, client, auth_req_id);
    assertOAuthError(slower, 400, "slow_down");
    assert.match(slower.json().error_description, /wait 15 s/);
    h.clock.advance(15_000);
    const res = await pollCiba(h, client, auth_req_id);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(decodeJwt(res.json().access_token).device, { phoneNumber: "+99999990100" });
  });

  test("a device whose user denies: access_denied, and no token ever", async () => {
    const { auth_req_id } = await startCiba(h, client, { scope: "openid", login_hint: "tel:+99999990403" });
    assertOAuthError(await pollCiba(h, client, auth_req_id), 400, "access_denied");
    h.clock.advance(5_000);
    assertOAuthError(await pollCiba(h, client, auth_req_id), 400, "access_denied");
  });

  test("past requested_expiry: expired_token", async () => {
    const started = await startCiba(h, client, {
      scope: "openid",
      login_hint: "tel:+99999990100",
      requested_expiry: "4",
    });
    assert.equal(started.expires_in, 4);
    h.clock.advance(4_000);
    assertOAuthError(await pollCiba(h, client, started.auth_req_id), 400, "expired_token");
  });

  test("an auth_req_id gives one token: the second exchange is invalid_grant", async () => {
    const { auth_req_id } = await startCiba(h, client, { scope: "openid", login_hint: "tel:+36701234570" });
    assert.equal((await pollCiba(h, client, auth_req_id)).statusCode, 200);
    h.clock.advance(5_000);
    assertOAuthError(await pollCiba(h, client, auth_req_id), 400, "invalid_grant");
  });

  test("another client's auth_req_id, or an unknown one, is invalid_grant", async () => {
    const other = await newOAuthClient(h, "ciba-other");
    const { auth_req_id } = await startCiba(h, client, { scope: "openid", login_hint: "tel:+36701234571" });
    assertOAuthError(await pollCiba(h, other, auth_req_id), 400, "invalid_grant");
    assertOAuthError(await pollCiba(h, client, "no-such-request"), 400, "invalid_grant");
    assertOAuthError(
      await tokenRequest(h, {
        grant_type: CIBA_GRANT,
        client_id: client.clientId,
        client_secret: client.secret,
      }),
      400,
      "invalid_request",
    );
    // The owner still gets its token: the other client's attempt changed nothing.
    assert.equal((await pollCiba(h, client, auth_req_id)).statusCode, 200);
  });

  test("scope without openid, or with a scope not the client's: invalid_scope", async () => {
    const narrow = await newOAuthClient(h, "ciba-narrow", { scopes: [READ] });
    const ask = (c: typeof client, scope: string) =>
      bcAuthorize(h, {
        client_id: c.clientId,
        client_secret: c.secret,
        scope,
        login_hint: "tel:+36701234572",
      });
    assertOAuthError(await ask(client, CREATE), 400, "invalid_scope");
    assertOAuthError(await ask(client, ""), 400, "invalid_scope");
    assertOAuthError(await ask(narrow, `openid ${CREATE}`), 400, "invalid_scope");
    assert.equal((await ask(narrow, `openid ${READ}`)).statusCode, 200);
  });

  test("hints: malformed, missing, several, or login_hint_token / id_token_hint are invalid_request", async () => {
    const ask = (form: Record<string, string>) =>
      bcAuthorize(h, { client_id: client.clientId, client_secret: client.secret, scope: "openid", ...form });
    for (const hint of [
      "+36701234567",
      "tel:36701234567",
      "tel:+3670abc",
      "sub:42",
      "ipv4:999.1.1.1",
      "ipv4:203.0.113.7:70000",
      "ipv4:203.0.113",
      "ipv6:2001:db8::zz",
      "",
    ]) {
      assertOAuthError(await ask({ login_hint: hint }), 400, "invalid_request");
    }
    const unencoded = await ask({ login_hint: "tel: 36701234567" });
    assertOAuthError(unencoded, 400, "invalid_request");
    assert.match(unencoded.json().error_description, /send \+ as %2B/, "a + sent unencoded is named");
    assertOAuthError(await ask({}), 400, "invalid_request");
    assertOAuthError(
      await ask({ login_hint: "tel:+36701234567", login_hint_token: "x" }),
      400,
      "invalid_request",
    );
    for (const name of ["login_hint_token", "id_token_hint"]) {
      const res = await ask({ [name]: "eyJ.e30.x" });
      assertOAuthError(res, 400, "invalid_request");
      assert.match(res.json().error_description, /not supported/);
    }
  });

  test("binding_message and requested_expiry are bounded", async () => {
    const ask = (form: Record<string, string>) =>
      bcAuthorize(h, {
        client_id: client.clientId,
        client_secret: client.secret,
        scope: "openid",
        login_hint: "tel:+36701234573",
        ...form,
      });
    assertOAuthError(await ask({ binding_message: "x".repeat(101) }), 400, "invalid_request");
    assert.equal((await ask({ binding_message: "x".repeat(100) })).statusCode, 200);
    for (const expiry of ["0", "601", "1.5", "soon"])
      assertOAuthError(await ask({ requested_expiry: expiry }), 400, "invalid_request");
    assert.equal((await ask({ requested_expiry: "600" })).json().expires_in, 600);
  });

  test("a device the network does not know: unknown_user_id", async () => {
    const res = await bcAuthorize(h, {
      client_id: client.clientId,
      client_secret: client.secret,
      scope: "openid",
      login_hint: "tel:+99999990404",
    });
    assertOAuthError(res, 400, "unknown_user_id");
  });

  test("private_key_jwt, with the endpoint's URL as aud, authenticates the client", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
    const keyed = await h.openqod.apiKeys.create("ciba-keyed", h.clock.now(), { jwks: { keys: [jwk] } });
    const now = Math.floor(h.clock.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer(keyed.clientId)
      .setSubject(keyed.clientId)
      .setAudience(`${ISSUER}/oauth2/v1/bc-authorize`)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti("ciba-assertion-1")
      .sign(privateKey);
    const res = await bcAuthorize(h, {
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
      scope: "openid",
      login_hint: "tel:+36701234576",
    });
    assert.equal(res.statusCode, 200, res.body);
  });

  test("requests expired for longer than the grace are swept when another is made", async () => {
    const { auth_req_id } = await startCiba(h, client, { scope: "openid", login_hint: "tel:+36701234577" });
    h.clock.advance(300_000 + EXPIRED_GRACE_MS - 1);
    await startCiba(h, client, { scope: "openid", login_hint: "tel:+36701234578" });
    assertOAuthError(await pollCiba(h, client, auth_req_id), 400, "expired_token");
    h.clock.advance(2);
    await startCiba(h, client, { scope: "openid", login_hint: "tel:+36701234579" });
    assertOAuthError(await pollCiba(h, client, auth_req_id), 400, "invalid_grant");
  });

  test("the client authenticates as at the token endpoint; forms only", async () => {
    const wrong = await bcAuthorize(h, {
      client_id: client.clientId,
      client_secret: "wrong",
      scope: "openid",
      login_hint: "tel:+36701234574",
    });
    assertOAuthError(wrong, 401, "invalid_client");
    const json = await h.openqod.app.inject({
      method: "POST",
      url: "/oauth2/v1/bc-authorize",
      headers: { "content-type": "application/json" },
      payload: { client_id: client.clientId, client_secret: client.secret, scope: "openid" },
    });
    assertOAuthError(json, 400, "invalid_request");
  });
});

describe("a CIBA token acts on its device only", () => {
  let h: Harness;
  let client: { clientId: string; secret: string; key: string };
  let token: string;
  const PHONE = "+36709990001";
  before(async () => {
    h = await createHarness(UNLIMITED);
    client = await newOAuthClient(h, "bound-acme");
    token = await cibaToken(h, client, `tel:${PHONE}`);
  });
  after(() => h.close());

  const asDevice = (method: string, url: string, body?: unknown) =>
    h.request(method, url, body, { key: token });

  test("creates a session for the token's device without a device in the body, and leaves it out", async () => {
    const { device: _device, ...body } = sessionBody();
    const res = await asDevice("POST", `${BASE}/sessions`, body);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().device, undefined);
    const byKey = await h.request("GET", `${BASE}/sessions/${res.json().sessionId}`, undefined, {
      key: client.key,
    });
    assert.deepEqual(byKey.json().device, { phoneNumber: PHONE }, "the session is the token's device's");
  });

  test("a device in the body as well is 422 UNNECESSARY_IDENTIFIER", async () => {
    const res = await asDevice("POST", `${BASE}/sessions`, sessionBody({ device: { phoneNumber: PHONE } }));
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().code, "UNNECESSARY_IDENTIFIER");
  });

  test("retrieve-sessions gives the device's own; another device's session of the client is 403", async () => {
    const other = await h.request(
      "POST",
      `${BASE}/sessions`,
      sessionBody({ device: { phoneNumber: "+36709990002" } }),
      { key: client.key },
    );
    assert.equal(other.statusCode, 201, other.body);
    const list = await asDevice("POST", `${BASE}/retrieve-sessions`, {});
    assert.equal(list.statusCode, 200, list.body);
    assert.ok(list.json().length >= 1);
    assert.ok(list.json().every((s: { device?: unknown }) => s.device === undefined));
    assert.ok(!list.json().some((s: { sessionId: string }) => s.sessionId === other.json().sessionId));
    const read = await asDevice("GET", `${BASE}/sessions/${other.json().sessionId}`);
    assert.equal(read.statusCode, 403, read.body);
    assert.equal(read.json().code, "PERMISSION_DENIED");
  });

  test("QoS profiles are those of the token's device (+99999990204: none)", {
    skip: NETWORK === "nef" && "a NEF publishes no QoS references per UE",
  }, async () => {
    const none = await cibaToken(h, client, "tel:+99999990204");
    const list = await h.request("POST", "/qos-profiles/v1/retrieve-qos-profiles", {}, { key: none });
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(list.json(), []);
    const one = await h.request("GET", "/qos-profiles/v1/qos-profiles/QOS_E", undefined, { key: none });
    assert.equal(one.statusCode, 404, one.body);
    const mine = await asDevice("GET", "/qos-profiles/v1/qos-profiles/QOS_E");
    assert.equal(mine.statusCode, 200, mine.body);
  });
});

describe("the backchannel endpoint's rate limit", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ OPENQOD_TOKEN_RATE_LIMIT: "0.01", OPENQOD_TOKEN_RATE_BURST: "1" });
  });
  after(() => h.close());

  test("past the burst, an address gets 429 TOO_MANY_REQUESTS with Retry-After", async () => {
    const client = await newOAuthClient(h, "ciba-flood");
    const form = {
      client_id: client.clientId,
      client_secret: client.secret,
      scope: "openid",
      login_hint: "tel:+36701234575",
    };
    assert.equal((await bcAuthorize(h, form)).statusCode, 200);
    const res = await bcAuthorize(h, form);
    assert.equal(res.statusCode, 429, res.body);
    assert.equal(res.json().error, "rate_limited");
    assert.equal(res.json().code, "TOO_MANY_REQUESTS");
    assert.ok(Number(res.headers["retry-after"]) >= 1);
  });
});

describe("consent from the devices file (OPENQOD_DEVICES_FILE)", () => {
  let dir: string;
  let h: Harness;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "openqod-consent-"));
    await writeFile(
      join(dir, "devices.json"),
      JSON.stringify({
        devices: [
          { phoneNumber: "+36705550001", consent: "DENY", consentDelay: "2s" },
          { ipv4PublicAddress: "198.51.100.9", consentDelay: "3s" },
        ],
      }),
    );
    h = await createHarness({ ...UNLIMITED, OPENQOD_DEVICES_FILE: join(dir, "devices.json") }, dir);
  });
  after(async () => {
    await h.close();
    await dropDatabase(dir);
    await rm(dir, { recursive: true, force: true });
  });

  test("consent DENY with consentDelay: pending for that long, then access_denied", async () => {
    const client = await newOAuthClient(h, "file-deny");
    const { auth_req_id } = await startCiba(h, client, { scope: "openid", login_hint: "tel:+36705550001" });
    assertOAuthError(await pollCiba(h, client, auth_req_id), 400, "authorization_pending");
    h.clock.advance(5_000);
    assertOAuthError(await pollCiba(h, client, auth_req_id), 400, "access_denied");
  });

  test("a rule matched by its IPv4 address: consent (ALLOW by default) after its consentDelay", async () => {
    const client = await newOAuthClient(h, "file-allow");
    const { auth_req_id } = await startCiba(h, client, {
      scope: "openid",
      login_hint: "ipv4:198.51.100.9:80",
    });
    assertOAuthError(await pollCiba(h, client, auth_req_id), 400, "authorization_pending");
    h.clock.advance(5_000);
    assert.equal((await pollCiba(h, client, auth_req_id)).statusCode, 200);
  });

  test("a consentDelay that is not a duration, or a consent of another word, stops the start", async () => {
    const bad = await mkdtemp(join(tmpdir(), "openqod-consent-bad-"));
    try {
      const path = join(bad, "devices.json");
      await writeFile(
        path,
        JSON.stringify({ devices: [{ phoneNumber: "+36705550002", consentDelay: "soon" }] }),
      );
      await assert.rejects(
        createHarness({ OPENQOD_DEVICES_FILE: path }, bad),
        (error) =>
          error instanceof ConfigError &&
          error.problems.join() ===
            `devices file ${path}: devices/0/consentDelay must be a duration like 250ms, 5s or 2m`,
      );
      await writeFile(path, JSON.stringify({ devices: [{ phoneNumber: "+36705550002", consent: "MAYBE" }] }));
      await assert.rejects(createHarness({ OPENQOD_DEVICES_FILE: path }, bad), ConfigError);
    } finally {
      await rm(bad, { recursive: true, force: true });
      await dropDatabase(bad);
    }
  });
});

describe("OPENQOD_CIBA_INTERVAL", () => {
  test("is the interval of every request, in whole seconds from 1 to 60", async () => {
    assert.equal(loadConfig([], {}).cibaIntervalMs, 5000);
    assert.equal(loadConfig([], { OPENQOD_CIBA_INTERVAL: "10s" }).cibaIntervalMs, 10_000);
    for (const bad of ["0", "500ms", "1.5", "61", "soon"])
      assert.throws(() => loadConfig([], { OPENQOD_CIBA_INTERVAL: bad }), ConfigError, bad);
    const h = await createHarness({ OPENQOD_CIBA_INTERVAL: "10" });
    try {
      const client = await newOAuthClient(h, "ciba-interval");
      const { auth_req_id, interval } = await startCiba(h, client, {
        scope: "openid",
        login_hint: "tel:+99999990100",
      });
      assert.equal(interval, 10);
      await pollCiba(h, client, auth_req_id);
      h.clock.advance(9_999);
      assertOAuthError(await pollCiba(h, client, auth_req_id), 400, "slow_down");
    } finally {
      await h.close();
    }
  });
});
