import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { hashKey } from "../src/auth/api-keys.ts";
import { AuthRequestRepository } from "../src/store/auth-requests.ts";
import { pollCiba, startCiba } from "./helpers/ciba.ts";
import { databaseEnv, dropDatabase } from "./helpers/engine.ts";
import { createHarness, type Harness } from "./helpers/harness.ts";
import { newOAuthClient } from "./helpers/oauth.ts";

const ROUNDS = 20;

describe("CIBA on two servers sharing one PostgreSQL database", () => {
  let shared: string;
  let a: Harness;
  let b: Harness;
  before(async () => {
    shared = await mkdtemp(join(tmpdir(), "openqod-ciba-"));
    const env = { ...(await databaseEnv(shared)), OPENQOD_TOKEN_RATE_BURST: "100000" };
    a = await createHarness(env);
    b = await createHarness(env);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await dropDatabase(shared);
    await rm(shared, { recursive: true, force: true });
  });

  test("a request made on one server is answered by the other, with its poll interval shared", async () => {
    const client = await newOAuthClient(a, "ciba-shared");
    const { auth_req_id } = await startCiba(a, client, { scope: "openid", login_hint: "tel:+99999990100" });
    const first = await pollCiba(b, client, auth_req_id);
    assert.equal(first.json().error, "authorization_pending");
    const tooFast = await pollCiba(a, client, auth_req_id);
    assert.equal(tooFast.json().error, "slow_down", "the other server saw the poll");
    a.clock.advance(10_000);
    b.clock.advance(10_000);
    const res = await pollCiba(b, client, auth_req_id);
    assert.equal(res.statusCode, 200, res.body);
    // The token of one server is good on the other: the keys are shared too.
    const profile = await a.request("GET", "/qos-profiles/v1/qos-profiles/QOS_E", undefined, {
      key: res.json().access_token,
    });
    assert.equal(profile.statusCode, 200, profile.body);
  });

  test(`${ROUNDS} requests each exchanged on both servers at once: one token each`, async () => {
    const client = await newOAuthClient(a, "ciba-race");
    for (let i = 0; i < ROUNDS; i++) {
      const { auth_req_id } = await startCiba(a, client, {
        scope: "openid",
        login_hint: `tel:+3670777${String(i).padStart(4, "0")}`,
      });
      const answers = await Promise.all([pollCiba(a, client, auth_req_id), pollCiba(b, client, auth_req_id)]);
      const statuses = answers.map((r) => r.statusCode).sort();
      assert.deepEqual(statuses, [200, 400], answers.map((r) => r.body).join("\n"));
      const refused = answers.find((r) => r.statusCode === 400)?.json().error;
      assert.ok(["slow_down", "invalid_grant"].includes(refused), refused);
    }
  });

  test("the single exchange holds under concurrent consumes from both servers' connections", async () => {
    const repos = [
      new AuthRequestRepository(a.openqod.store.db),
      new AuthRequestRepository(b.openqod.store.db),
    ];
    const now = a.clock.now();
    for (let i = 0; i < ROUNDS; i++) {
      const idHash = hashKey(`race-${i}`);
      await repos[0]?.insert({
        idHash,
        clientId: "nobody",
        scopes: [],
        device: { phoneNumber: "+36707770000" },
        decision: "ALLOW",
        readyAt: now,
        expiresAt: now + 60_000,
        intervalS: 5,
        createdAt: now,
      });
      const won = await Promise.all(
        Array.from({ length: 8 }, (_, n) => (repos[n % 2] as AuthRequestRepository).consume(idHash, now)),
      );
      assert.equal(won.filter(Boolean).length, 1, `round ${i}: exactly one consume wins`);
    }
  });
});
