import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { decodeProtectedHeader } from "jose";
import type { AuthorizationServer } from "../src/auth/authorization-server.ts";
import { KEY_RELOAD_MS } from "../src/auth/signing-keys.ts";
import { clientAssertion, clientKey } from "./helpers/client-keys.ts";
import { databaseEnv, dropDatabase } from "./helpers/engine.ts";
import { createHarness, type Harness } from "./helpers/harness.ts";
import { accessToken, newOAuthClient, tokenRequest } from "./helpers/oauth.ts";

const PROFILE = "/qos-profiles/v1/qos-profiles/QOS_E";

describe("signing keys shared by two instances on one PostgreSQL database", () => {
  let root: string;
  let a: Harness;
  let b: Harness;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "openqod-keys-"));
    const shared = { ...(await databaseEnv(root)), OPENQOD_SIGNING_KEY_ROTATION: "24h" };
    // Started together: each finds no key and tries to make one.
    [a, b] = await Promise.all([
      createHarness(shared, await mkdtemp(join(root, "a-"))),
      createHarness(shared, await mkdtemp(join(root, "b-"))),
    ]);
  });
  after(async () => {
    await a.close();
    await b.close();
    await rm(root, { recursive: true, force: true });
    await dropDatabase(root);
  });

  const serverOf = (h: Harness): AuthorizationServer => {
    const as = h.openqod.authorizationServer;
    assert.ok(as);
    return as;
  };
  const activeKeys = async () =>
    (await a.openqod.store.db.selectFrom("signing_keys").select("kid").where("active", "=", 1).execute())
      .length;

  test("instances starting together leave one signing key, and a token from one verifies on the other", async () => {
    assert.equal(await activeKeys(), 1);
    const client = await newOAuthClient(a, "shared-acme");
    const fromA = await accessToken(a, client);
    const fromB = await accessToken(b, client);
    assert.equal(decodeProtectedHeader(fromA).kid, decodeProtectedHeader(fromB).kid);
    assert.equal((await b.request("GET", PROFILE, undefined, { key: fromA })).statusCode, 200);
    assert.equal((await a.request("GET", PROFILE, undefined, { key: fromB })).statusCode, 200);
  });

  test("a rotation on one is seen by the other: its new tokens verify there at once, and it signs with the new key after a reread", async () => {
    const client = await newOAuthClient(a, "rotated-acme");
    const before = await accessToken(b, client);
    const rotated = await serverOf(a).keys.rotate();
    const fromA = await accessToken(a, client);
    assert.equal(decodeProtectedHeader(fromA).kid, rotated.kid);
    assert.equal(
      (await b.request("GET", PROFILE, undefined, { key: fromA })).statusCode,
      200,
      "unknown kid: reread",
    );
    assert.equal(
      (await a.request("GET", PROFILE, undefined, { key: before })).statusCode,
      200,
      "the old key still verifies",
    );
    b.clock.advance(KEY_RELOAD_MS);
    assert.equal(decodeProtectedHeader(await accessToken(b, client)).kid, rotated.kid);
    const jwks = (await b.request("GET", "/oauth2/v1/jwks", undefined, { key: null })).json() as {
      keys: { kid: string }[];
    };
    assert.ok(
      jwks.keys.some((k) => k.kid === decodeProtectedHeader(before).kid),
      "B publishes the retired key",
    );
    assert.ok(jwks.keys.some((k) => k.kid === rotated.kid));
  });

  test("a private_key_jwt assertion used on one instance is refused on the other (the jti is shared)", async () => {
    const key = await clientKey();
    const { clientId } = await a.openqod.apiKeys.create("replayed-acme", a.clock.now(), {
      jwks: { keys: [{ ...key.publicJwk }] },
    });
    const assertion = await clientAssertion(key, {
      clientId,
      aud: "http://127.0.0.1:9091/oauth2/v1/token",
      nowMs: a.clock.now(),
    });
    const form = {
      grant_type: "client_credentials",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    };
    assert.equal((await tokenRequest(a, form)).statusCode, 200);
    const replayed = await tokenRequest(b, form);
    assert.equal(replayed.statusCode, 401, replayed.body);
    assert.equal(replayed.json().error, "invalid_client");
    assert.equal(replayed.json().code, "UNAUTHENTICATED");
  });

  test("rotations at the same moment, by hand or when due, still leave one signing key, rotated once when due", async () => {
    await Promise.all([serverOf(a).keys.rotate(), serverOf(b).keys.rotate()]);
    assert.equal(await activeKeys(), 1);
    const count = async () =>
      (await a.openqod.store.db.selectFrom("signing_keys").select("kid").execute()).length;
    const keysBefore = await count();
    a.clock.advance(25 * 3_600_000);
    b.clock.advance(25 * 3_600_000);
    await Promise.all([serverOf(a).keys.reload(), serverOf(b).keys.reload()]);
    assert.equal(await activeKeys(), 1);
    // Every retired key's tokens have expired a day later: dropped; the one due rotated once.
    const kept = await a.openqod.store.db.selectFrom("signing_keys").select(["kid", "active"]).execute();
    assert.ok(kept.length <= 2, `${kept.length} keys kept of ${keysBefore + 1}`);
    assert.equal(
      kept.filter((k) => k.active === null).length,
      1,
      "one retired key: the one due, retired once",
    );
  });
});
