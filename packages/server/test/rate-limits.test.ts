import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
// The `operationId` a route schema names (requireAuth reads its scope from it).
import type {} from "@fastify/swagger";
import type { LightMyRequestResponse } from "fastify";
import { ALL_SCOPES } from "../src/auth/scopes.ts";
import { callerKey } from "../src/http/rate-limits.ts";
import { createHarness, type Harness, SANDBOX_KEY } from "./helpers/harness.ts";

const PROFILE = "/qos-profiles/v1/qos-profiles/QOS_E";
const LIMITS = {
  OPENQOD_RATE_LIMIT: "2",
  OPENQOD_RATE_BURST: "3",
  OPENQOD_AUTH_FAILURE_LIMIT: "5",
};

function get(
  h: Harness,
  url: string,
  options: { key?: string; remoteAddress?: string; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  return h.openqod.app.inject({
    method: "GET",
    url,
    headers: {
      ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }),
      ...options.headers,
    },
    ...(options.remoteAddress === undefined ? {} : { remoteAddress: options.remoteAddress }),
  });
}

function assertTooMany(response: LightMyRequestResponse, retryAfter: string): void {
  assert.equal(response.statusCode, 429, response.body);
  const body = response.json();
  assert.equal(body.status, 429);
  assert.equal(body.code, "TOO_MANY_REQUESTS");
  assert.equal(typeof body.message, "string");
  assert.equal(response.headers["retry-after"], retryAfter);
  assert.equal(response.headers["ratelimit-remaining"], "0");
  assert.equal(response.headers["ratelimit-reset"], retryAfter);
}

describe("per-client rate limit (OPENQOD_RATE_LIMIT=2, OPENQOD_RATE_BURST=3)", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness(LIMITS);
  });
  after(() => h.close());

  test("a client over its limit gets 429 TOO_MANY_REQUESTS with Retry-After; another client is not affected; after the wait it passes", async () => {
    const acme = await h.newClient("acme-limited");
    for (let i = 0; i < 3; i++)
      assert.equal((await get(h, PROFILE, { key: acme })).statusCode, 200, `burst ${i}`);
    const refused = await get(h, PROFILE, { key: acme });
    assertTooMany(refused, "1");
    assert.equal(refused.headers["ratelimit-limit"], "3");
    assert.match(refused.json().message, /2 requests a second/);
    assert.equal(
      (await get(h, PROFILE, { key: SANDBOX_KEY })).statusCode,
      200,
      "the sandbox client has its own budget",
    );
    h.clock.advance(499);
    assert.equal((await get(h, PROFILE, { key: acme })).statusCode, 429);
    h.clock.advance(1);
    assert.equal((await get(h, PROFILE, { key: acme })).statusCode, 200, "one interval (500 ms) later");
    assert.equal((await get(h, PROFILE, { key: acme })).statusCode, 429);
  });

  test("every operation counts, creates included: the 429 is a CAMARA answer on POST /sessions too", async () => {
    const key = await h.newClient("acme-creates");
    const create = (n: number) =>
      h.request(
        "POST",
        "/quality-on-demand/v1/sessions",
        {
          device: { phoneNumber: `+3670123456${n}` },
          applicationServer: { ipv4Address: "233.252.0.2" },
          qosProfile: "QOS_E",
          duration: 60,
        },
        { key },
      );
    for (let i = 0; i < 3; i++) assert.equal((await create(i)).statusCode, 201);
    const refused = await create(3);
    assertTooMany(refused, "1");
    const listing = () =>
      h.request(
        "POST",
        "/quality-on-demand/v1/retrieve-sessions",
        { device: { phoneNumber: "+36701234563" } },
        { key },
      );
    assert.equal((await listing()).statusCode, 429, "reads share the budget");
    h.clock.advance(1000);
    const listed = await listing();
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(listed.json(), [], "the refused create left no session");
  });

  test("the API key in Authorization and in x-rapidapi-key spend one budget: the client's", async () => {
    const key = await h.newClient("acme-two-headers");
    assert.equal((await get(h, PROFILE, { key })).statusCode, 200);
    assert.equal((await get(h, PROFILE, { headers: { "x-rapidapi-key": key } })).statusCode, 200);
    assert.equal((await get(h, PROFILE, { key })).statusCode, 200);
    assertTooMany(await get(h, PROFILE, { headers: { "x-rapidapi-key": key } }), "1");
  });

  test("a wrong key never spends the budget of the client it resembles", async () => {
    const key = await h.newClient("acme-unauthenticated");
    for (let i = 0; i < 3; i++) assert.equal((await get(h, PROFILE, { key: `${key}x` })).statusCode, 401);
    for (let i = 0; i < 3; i++) assert.equal((await get(h, PROFILE, { key })).statusCode, 200, `burst ${i}`);
  });

  test("the OpenAPI document names the 429 on every operation that takes a credential", async () => {
    const doc = (await h.request("GET", "/openapi.json", undefined, { key: null })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const authenticated = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => "401" in op.responses)
        .map(([method, op]) => ({ where: `${method} ${path}`, op })),
    );
    assert.ok(authenticated.length >= 10, `${authenticated.length} operations`);
    const without = authenticated.filter(
      ({ op }) => !JSON.stringify(op.responses["429"] ?? "").includes("TOO_MANY_REQUESTS"),
    );
    assert.deepEqual(
      without.map((o) => o.where),
      [],
    );
  });

  test('refusals are counted in openqod_rate_limited_total{limit="client"}', async () => {
    const metrics = await h.request("GET", "/metrics", undefined, { key: null });
    assert.match(metrics.body, /openqod_rate_limited_total\{limit="client"\} [1-9]/);
  });
});

describe("failed authentications per caller address (OPENQOD_AUTH_FAILURE_LIMIT=5 a minute)", () => {
  let h: Harness;
  let lookups = 0;
  before(async () => {
    h = await createHarness(LIMITS);
    const store = h.openqod.store;
    const lookUp = store.clientByKeyHash.bind(store);
    // The real store, with its key lookups counted.
    store.clientByKeyHash = (hash) => {
      lookups++;
      return lookUp(hash);
    };
  });
  after(() => h.close());

  test("spraying keys from one address: 5 are looked up (401), then 429 before any lookup, for the address's valid keys too", async () => {
    const sprayer = "198.51.100.7";
    for (let i = 0; i < 5; i++) {
      const refused = await get(h, PROFILE, { key: `oqd_guess_${i}`, remoteAddress: sprayer });
      assert.equal(refused.statusCode, 401);
      assert.equal(refused.json().code, "UNAUTHENTICATED");
    }
    assert.equal(lookups, 5);
    lookups = 0;
    for (let i = 5; i < 50; i++)
      assertTooMany(await get(h, PROFILE, { key: `oqd_guess_${i}`, remoteAddress: sprayer }), "12");
    assert.equal(lookups, 0, "refused before the key was looked up");
    assertTooMany(await get(h, PROFILE, { key: SANDBOX_KEY, remoteAddress: sprayer }), "12");
    assert.equal(
      (await get(h, PROFILE, { key: SANDBOX_KEY, remoteAddress: "203.0.113.9" })).statusCode,
      200,
      "another address is not affected",
    );
    assert.equal(
      (await get(h, "/health", { remoteAddress: sprayer })).statusCode,
      200,
      "probes still answer",
    );
    h.clock.advance(11_999);
    assert.equal((await get(h, PROFILE, { key: SANDBOX_KEY, remoteAddress: sprayer })).statusCode, 429);
    h.clock.advance(1);
    assert.equal(
      (await get(h, PROFILE, { key: SANDBOX_KEY, remoteAddress: sprayer })).statusCode,
      200,
      "one failure's worth (60 s / 5) later",
    );
    assert.equal((await get(h, PROFILE, { key: "oqd_guess_again", remoteAddress: sprayer })).statusCode, 401);
    assert.equal((await get(h, PROFILE, { key: "oqd_guess_more", remoteAddress: sprayer })).statusCode, 429);
  });

  test("a token no issuer vouches for, and a request with no credential, are failures as well", async () => {
    const caller = "198.51.100.8";
    const token = `${Buffer.from('{"alg":"ES256"}').toString("base64url")}.${Buffer.from('{"iss":"https://idp.example"}').toString("base64url")}.c2ln`;
    for (let i = 0; i < 3; i++)
      assert.equal((await get(h, PROFILE, { key: token, remoteAddress: caller })).statusCode, 401);
    for (let i = 0; i < 2; i++)
      assert.equal((await get(h, PROFILE, { remoteAddress: caller })).statusCode, 401);
    assertTooMany(await get(h, PROFILE, { remoteAddress: caller }), "12");
  });

  test("IPv6 callers are counted by their /64", async () => {
    for (let i = 1; i <= 5; i++)
      assert.equal(
        (await get(h, PROFILE, { key: "oqd_nope", remoteAddress: `2001:db8:1:2::${i}` })).statusCode,
        401,
      );
    assertTooMany(await get(h, PROFILE, { key: SANDBOX_KEY, remoteAddress: "2001:db8:1:2:ffff::9" }), "12");
    assert.equal(
      (await get(h, PROFILE, { key: SANDBOX_KEY, remoteAddress: "2001:db8:1:3::1" })).statusCode,
      200,
      "the next /64 is another caller",
    );
    assert.equal(callerKey("::ffff:192.0.2.1"), "192.0.2.1");
    assert.equal(callerKey("2001:DB8:0:0:1::1"), "2001:db8:0:0::/64");
    assert.equal(callerKey("::1"), "0:0:0:0::/64");
  });

  test('refusals are counted in openqod_rate_limited_total{limit="auth_failures"}', async () => {
    const metrics = await get(h, "/metrics");
    assert.match(metrics.body, /openqod_rate_limited_total\{limit="auth_failures"\} [1-9]/);
  });
});

describe("behind a reverse proxy (OPENQOD_TRUST_PROXY)", () => {
  test("with the proxy trusted, callers are told apart by X-Forwarded-For; without, X-Forwarded-For is ignored", async () => {
    const proxy = "10.1.2.3";
    const spray = (h: Harness, forwardedFor: string) =>
      get(h, PROFILE, {
        key: "oqd_guess",
        remoteAddress: proxy,
        headers: { "x-forwarded-for": forwardedFor },
      });
    const trusting = await createHarness({ ...LIMITS, OPENQOD_TRUST_PROXY: "10.0.0.0/8" });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await spray(trusting, "198.51.100.20")).statusCode, 401);
      assertTooMany(await spray(trusting, "198.51.100.20"), "12");
      assert.equal(
        (await spray(trusting, "198.51.100.21")).statusCode,
        401,
        "another caller behind the proxy",
      );
    } finally {
      await trusting.close();
    }
    const direct = await createHarness(LIMITS);
    try {
      for (let i = 0; i < 5; i++) assert.equal((await spray(direct, `198.51.100.${30 + i}`)).statusCode, 401);
      assertTooMany(await spray(direct, "198.51.100.99"), "12");
    } finally {
      await direct.close();
    }
  });
});

describe("limits set to 0 are off", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ OPENQOD_RATE_LIMIT: "0", OPENQOD_AUTH_FAILURE_LIMIT: "0" });
  });
  after(() => h.close());

  test("300 requests at one instant all pass, and 100 bad keys all get 401", async () => {
    for (let i = 0; i < 300; i++) assert.equal((await get(h, PROFILE, { key: SANDBOX_KEY })).statusCode, 200);
    for (let i = 0; i < 100; i++)
      assert.equal((await get(h, PROFILE, { key: `oqd_bad_${i}` })).statusCode, 401);
    assert.equal((await get(h, PROFILE, { key: SANDBOX_KEY })).statusCode, 200);
  });
});

describe("one budget per client, whatever the credential", () => {
  test("an API key and an access token of the same client share it; another client's token does not", async () => {
    const h = await createHarness(LIMITS);
    try {
      const server = h.openqod.authorizationServer;
      assert.ok(server !== null);
      const { clientId, key } = await h.openqod.apiKeys.create("acme-token", h.clock.now());
      const other = await h.openqod.apiKeys.create("other-token", h.clock.now());
      const grant = { scopes: [...ALL_SCOPES], device: null };
      const mine = (await server.tokens.issue(clientId, grant)).access_token;
      const theirs = (await server.tokens.issue(other.clientId, grant)).access_token;
      assert.equal((await get(h, PROFILE, { key })).statusCode, 200);
      assert.equal((await get(h, PROFILE, { key: mine })).statusCode, 200);
      assert.equal((await get(h, PROFILE, { key })).statusCode, 200);
      assertTooMany(await get(h, PROFILE, { key: mine }), "1");
      assertTooMany(await get(h, PROFILE, { key }), "1");
      assert.equal((await get(h, PROFILE, { key: theirs })).statusCode, 200, "another client's token");
    } finally {
      await h.close();
    }
  });
});
