import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ALL_SCOPES } from "../src/auth/scopes.ts";
import { createHarness, type Harness } from "./helpers/harness.ts";

const PROFILE = "/qos-profiles/v1/qos-profiles/QOS_E";

/**
 * Revoking a client and then giving it a credential again must not bring back what leaked before the
 * revocation: its other credential and the tokens issued to it stay dead.
 */
describe("a revoked client given a new credential", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  async function leakedClient(name: string) {
    const server = h.openqod.authorizationServer;
    assert.ok(server !== null);
    const created = await h.openqod.apiKeys.create(name, h.clock.now());
    const token = (await server.tokens.issue(created.clientId, { scopes: [...ALL_SCOPES], device: null }))
      .access_token;
    assert.equal((await h.request("GET", PROFILE, undefined, { key: created.key })).statusCode, 200);
    assert.equal((await h.request("GET", PROFILE, undefined, { key: token })).statusCode, 200);
    assert.equal(await h.openqod.store.revokeClient(name, h.clock.now()), true);
    h.clock.advance(6_000); // past the 5 s the servers trust a verification
    return { ...created, token };
  }

  test("a new secret: the old API key and the old token stay 401; the new secret works", async () => {
    const leaked = await leakedClient("leaky-secret");
    h.clock.advance(1_000);
    const secret = await h.openqod.apiKeys.rotateSecret("leaky-secret");
    for (const credential of [leaked.key, leaked.token]) {
      const res = await h.request("GET", PROFILE, undefined, { key: credential });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, "UNAUTHENTICATED");
    }
    const basic = Buffer.from(`${leaked.clientId}:${secret}`).toString("base64");
    const token = await h.openqod.app.inject({
      method: "POST",
      url: "/oauth2/v1/token",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
      payload: "grant_type=client_credentials",
    });
    assert.equal(token.statusCode, 200, token.body);
    const fresh = token.json().access_token as string;
    assert.equal((await h.request("GET", PROFILE, undefined, { key: fresh })).statusCode, 200);
  });

  test("a new key: the old secret and the old token stay refused; the new key works", async () => {
    const leaked = await leakedClient("leaky-key");
    h.clock.advance(1_000);
    const key = await h.openqod.apiKeys.rotate("leaky-key");
    assert.equal((await h.request("GET", PROFILE, undefined, { key: leaked.token })).statusCode, 401);
    assert.equal((await h.request("GET", PROFILE, undefined, { key })).statusCode, 200);
    const basic = Buffer.from(`${leaked.clientId}:${leaked.secret}`).toString("base64");
    const token = await h.openqod.app.inject({
      method: "POST",
      url: "/oauth2/v1/token",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
      payload: "grant_type=client_credentials",
    });
    assert.equal(token.statusCode, 401);
    assert.equal(token.json().error, "invalid_client");
  });
});
