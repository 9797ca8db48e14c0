import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ApiKeys, type ClientStore, KEY_CACHE_ENTRIES, KEY_CACHE_MS } from "../src/auth/api-keys.ts";
import { createHarness, type Harness } from "./helpers/harness.ts";

const PROFILE = "/qos-profiles/v1/qos-profiles/QOS_E";

describe("API key verification cache", () => {
  let h: Harness;
  let lookups = 0;
  let keys: ApiKeys;
  before(async () => {
    h = await createHarness();
    const store = h.openqod.store;
    // The real store, with its key lookups counted.
    const counting: ClientStore = {
      insertClient: (client) => store.insertClient(client),
      replaceClientKey: (name, hash, now) => store.replaceClientKey(name, hash, now),
      replaceClientSecret: (name, hash, now, unusable) =>
        store.replaceClientSecret(name, hash, now, unusable),
      updateClient: (name, change) => store.updateClient(name, change),
      clientByName: (name) => store.clientByName(name),
      listClients: () => store.listClients(),
      revokeClient: (name, now) => store.revokeClient(name, now),
      clientByKeyHash: (hash) => {
        lookups++;
        return store.clientByKeyHash(hash);
      },
    };
    keys = new ApiKeys(counting, { clock: h.clock });
  });
  after(() => h.close());

  test(`spraying ${KEY_CACHE_ENTRIES + 500} random keys does not evict a real client's key: it is still served with no lookup`, async () => {
    const { key } = await keys.create("sprayed-acme", h.clock.now());
    assert.equal((await keys.verify(key))?.name, "sprayed-acme");
    assert.equal(lookups, 1);
    for (let i = 0; i < KEY_CACHE_ENTRIES + 500; i++) {
      assert.equal(await keys.verify(`oqd_${randomBytes(32).toString("base64url")}`), null);
    }
    lookups = 0;
    assert.equal((await keys.verify(key))?.name, "sprayed-acme");
    assert.equal(lookups, 0, "served from the cache");
  });

  test("a failed key is remembered as failed (one lookup), but only the newest failures are kept", async () => {
    const bad = "oqd_not-a-key-at-all";
    lookups = 0;
    assert.equal(await keys.verify(bad), null);
    assert.equal(await keys.verify(bad), null);
    assert.equal(lookups, 1);
    for (let i = 0; i < KEY_CACHE_ENTRIES; i++) await keys.verify(`oqd_spray_${i}`);
    lookups = 0;
    assert.equal(await keys.verify(bad), null);
    assert.equal(lookups, 1, "the oldest failure was pushed out: the cache is bounded");
  });

  test(`a revoked key works for at most ${KEY_CACHE_MS} ms, then gets 401 UNAUTHENTICATED`, async () => {
    const key = await h.newClient("revoked-acme");
    assert.equal((await h.request("GET", PROFILE, undefined, { key })).statusCode, 200);
    assert.equal(await h.openqod.store.revokeClient("revoked-acme", h.clock.now()), true);
    h.clock.advance(KEY_CACHE_MS - 1);
    assert.equal((await h.request("GET", PROFILE, undefined, { key })).statusCode, 200);
    h.clock.advance(1);
    const refused = await h.request("GET", PROFILE, undefined, { key });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json().code, "UNAUTHENTICATED");
  });
});
