import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { KEY_CACHE_MS } from "../src/auth/api-keys.ts";
import { databaseEnv, dropDatabase } from "./helpers/engine.ts";
import { createHarness, type Harness } from "./helpers/harness.ts";

const PROFILE = "/qos-profiles/v1/qos-profiles/QOS_E";

describe("API keys on two servers sharing one PostgreSQL database", () => {
  let shared: string;
  let a: Harness;
  let b: Harness;
  before(async () => {
    shared = await mkdtemp(join(tmpdir(), "openqod-keys-"));
    const database = await databaseEnv(shared);
    a = await createHarness(database);
    b = await createHarness(database);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await dropDatabase(shared);
    await rm(shared, { recursive: true, force: true });
  });

  const status = async (h: Harness, key: string) => {
    const res = await h.request("GET", PROFILE, undefined, { key });
    if (res.statusCode === 401) assert.equal(res.json().code, "UNAUTHENTICATED");
    return res.statusCode;
  };
  const advanceBoth = (ms: number) => {
    a.clock.advance(ms);
    b.clock.advance(ms);
  };

  test(`a client revoked through one server is refused by both within ${KEY_CACHE_MS} ms`, async () => {
    const key = await a.newClient("acme");
    assert.deepEqual([await status(a, key), await status(b, key)], [200, 200]);
    assert.equal(await a.openqod.store.revokeClient("acme", a.clock.now()), true);
    advanceBoth(KEY_CACHE_MS - 1);
    assert.deepEqual(
      [await status(a, key), await status(b, key)],
      [200, 200],
      "still trusted from the cache",
    );
    advanceBoth(1);
    assert.deepEqual([await status(a, key), await status(b, key)], [401, 401]);
  });

  test(`a key rotated on one server: the new key works on both at once, the old one stops on both within ${KEY_CACHE_MS} ms`, async () => {
    const old = await a.newClient("beta");
    assert.deepEqual([await status(a, old), await status(b, old)], [200, 200]);
    const rotated = await a.openqod.apiKeys.rotate("beta");
    assert.deepEqual(
      [await status(a, old), await status(a, rotated), await status(b, rotated)],
      [401, 200, 200],
    );
    advanceBoth(KEY_CACHE_MS - 1);
    assert.equal(await status(b, old), 200, "the other server still trusts its cached verification");
    advanceBoth(1);
    assert.deepEqual([await status(b, old), await status(b, rotated)], [401, 200]);
  });
});
