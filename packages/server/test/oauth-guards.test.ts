import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { GUARD_THRESHOLD } from "../src/auth/secret-guard.ts";
import { createHarness, type Harness } from "./helpers/harness.ts";
import { basic, newOAuthClient, tokenRequest } from "./helpers/oauth.ts";

const CC = { grant_type: "client_credentials" };

describe("the brute-force guard on client secrets", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ OPENQOD_TOKEN_RATE_BURST: "100000" });
  });
  after(() => h.close());

  test(`after ${GUARD_THRESHOLD} wrong secrets even the right one is 429 with Retry-After, for 1 s, then doubling; a success resets`, async () => {
    const client = await newOAuthClient(h, "guessed-acme");
    const wrong = () => tokenRequest(h, CC, basic(client.clientId, "oqs_guess"));
    const right = () => tokenRequest(h, CC, basic(client.clientId, client.secret));
    for (let i = 0; i < GUARD_THRESHOLD; i++) assert.equal((await wrong()).statusCode, 401);
    const held = await right();
    assert.equal(held.statusCode, 429, held.body);
    assert.equal(held.json().code, "TOO_MANY_REQUESTS");
    assert.equal(held.headers["retry-after"], "1");
    h.clock.advance(1_000);
    assert.equal((await wrong()).statusCode, 401, "the hold is over: a guess is checked (and fails)");
    const longer = await right();
    assert.equal(longer.statusCode, 429);
    assert.equal(longer.headers["retry-after"], "2", "the next hold is twice as long");
    h.clock.advance(2_000);
    assert.equal((await right()).statusCode, 200);
    for (let i = 0; i < GUARD_THRESHOLD - 1; i++) assert.equal((await wrong()).statusCode, 401);
    assert.equal((await right()).statusCode, 200, "the success reset the count");
  });

  test("the guard holds one client only: another client's right secret goes through", async () => {
    const victim = await newOAuthClient(h, "held-acme");
    const other = await newOAuthClient(h, "free-acme");
    for (let i = 0; i < GUARD_THRESHOLD; i++) await tokenRequest(h, CC, basic(victim.clientId, "oqs_guess"));
    assert.equal((await tokenRequest(h, CC, basic(victim.clientId, victim.secret))).statusCode, 429);
    assert.equal((await tokenRequest(h, CC, basic(other.clientId, other.secret))).statusCode, 200);
  });

  test("the hold is capped at 15 minutes", async () => {
    const client = await newOAuthClient(h, "capped-acme");
    for (let i = 0; i < GUARD_THRESHOLD + 20; i++) {
      await tokenRequest(h, CC, basic(client.clientId, "oqs_guess"));
      h.clock.advance(15 * 60_000);
    }
    await tokenRequest(h, CC, basic(client.clientId, "oqs_guess"));
    const held = await tokenRequest(h, CC, basic(client.clientId, client.secret));
    assert.equal(held.statusCode, 429);
    assert.equal(held.headers["retry-after"], "900");
  });
});

describe("the token endpoint's per-IP rate limit", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ OPENQOD_TOKEN_RATE_LIMIT: "1", OPENQOD_TOKEN_RATE_BURST: "2" });
  });
  after(() => h.close());

  test("past the burst a caller gets 429 TOO_MANY_REQUESTS with Retry-After, an OAuth body, and no-store", async () => {
    const client = await newOAuthClient(h, "busy-acme");
    const auth = basic(client.clientId, client.secret);
    assert.equal((await tokenRequest(h, CC, auth)).statusCode, 200);
    assert.equal((await tokenRequest(h, CC, auth)).statusCode, 200);
    const limited = await tokenRequest(h, CC, auth);
    assert.equal(limited.statusCode, 429, limited.body);
    assert.equal(limited.headers["retry-after"], "1");
    assert.equal(limited.headers["cache-control"], "no-store");
    assert.equal(limited.json().code, "TOO_MANY_REQUESTS");
    assert.equal(limited.json().error, "rate_limited");
    const other = await h.openqod.app.inject({
      method: "POST",
      url: "/oauth2/v1/token",
      remoteAddress: "192.0.2.7",
      headers: { "content-type": "application/x-www-form-urlencoded", ...auth },
      payload: "grant_type=client_credentials",
    });
    assert.equal(other.statusCode, 200, "another address has its own allowance");
    h.clock.advance(1_000);
    assert.equal((await tokenRequest(h, CC, auth)).statusCode, 200);
  });
});

describe("OPENQOD_OAUTH_SERVER=off", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ OPENQOD_OAUTH_SERVER: "off" });
  });
  after(() => h.close());

  test("the token, JWKS and discovery paths are 404 and the OpenAPI document leaves them out; API keys still work", async () => {
    for (const path of [
      "/.well-known/openid-configuration",
      "/.well-known/oauth-authorization-server",
      "/oauth2/v1/jwks",
    ]) {
      const res = await h.request("GET", path, undefined, { key: null });
      assert.equal(res.statusCode, 404, path);
      assert.equal(res.json().code, "NOT_FOUND");
    }
    const token = await tokenRequest(h, CC);
    assert.equal(token.statusCode, 404);
    const doc = (await h.request("GET", "/openapi.json", undefined, { key: null })).json();
    assert.deepEqual(
      Object.keys(doc.paths).filter((p) => p.startsWith("/oauth2") || p.startsWith("/.well-known")),
      [],
    );
    assert.equal((await h.request("GET", "/qos-profiles/v1/qos-profiles/QOS_E")).statusCode, 200);
  });
});
