import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { pollCiba, startCiba } from "./helpers/ciba.ts";
import { createHarness, type Harness, NETWORK, sessionBody } from "./helpers/harness.ts";
import { newOAuthClient } from "./helpers/oauth.ts";

const BASE = "/quality-on-demand/v1";

/**
 * The README's test identifiers do what it says whatever the network: the simulator, or (with
 * OPENQOD_TEST_NETWORK=nef) the NEF emulator set up to act as the simulator does (helpers/nef-network.ts).
 */
describe(`the test identifiers, in front of the ${NETWORK}`, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(() => h.close());

  const create = (phoneNumber: string) =>
    h.request("POST", `${BASE}/sessions`, sessionBody({ device: { phoneNumber } }));
  const read = async (id: string) =>
    (await h.request("GET", `${BASE}/sessions/${id}`)).json() as { qosStatus: string; statusInfo?: string };

  test("the harness is in front of this run's network", async () => {
    assert.equal(h.openqod.network.name, NETWORK);
    const created = await create("+36701000001");
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().qosStatus, "AVAILABLE", "granted in the 201, as the simulator does");
    if (h.emulator !== null) {
      assert.deepEqual(
        h.emulator.subscriptions().map((s) => s.body.gpsi),
        ["msisdn-36701000001"],
      );
    }
  });

  test("+99999990404 is 404 IDENTIFIER_NOT_FOUND and leaves nothing behind", async () => {
    const res = await create("+99999990404");
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, "IDENTIFIER_NOT_FOUND");
    assert.deepEqual(h.emulator?.subscriptions() ?? [], []);
  });

  test("+99999990422 is 422 SERVICE_NOT_APPLICABLE", async () => {
    const res = await create("+99999990422");
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, "SERVICE_NOT_APPLICABLE");
  });

  test("+99999990204 may use no QoS profile: a create is 422 QOS_PROFILE_NOT_APPLICABLE", async () => {
    const res = await create("+99999990204");
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE");
  });

  test("+99999990204 has no QoS profiles in retrieve-qos-profiles", {
    skip:
      NETWORK === "nef" &&
      "a NEF publishes no QoS references per UE: it refuses one only when a session asks for it",
  }, async () => {
    const res = await h.request("POST", "/qos-profiles/v1/retrieve-qos-profiles", {
      device: { phoneNumber: "+99999990204" },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), []);
  });

  test("+99999990503 is REQUESTED, then refused: UNAVAILABLE / NETWORK_TERMINATED", async () => {
    const res = await create("+99999990503");
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().qosStatus, "REQUESTED");
    await h.tick();
    const ended = await read(res.json().sessionId);
    assert.deepEqual([ended.qosStatus, ended.statusInfo], ["UNAVAILABLE", "NETWORK_TERMINATED"]);
    await h.tick();
    assert.deepEqual(h.emulator?.subscriptions() ?? [], [], "the refused reservation is released");
  });

  test("+99999990102 stays REQUESTED until the grant timeout (5 min) ends it", async () => {
    const res = await create("+99999990102");
    assert.equal(res.json().qosStatus, "REQUESTED");
    h.clock.advance(299_999);
    await h.tick();
    assert.equal((await read(res.json().sessionId)).qosStatus, "REQUESTED");
    h.clock.advance(1);
    await h.tick();
    const ended = await read(res.json().sessionId);
    assert.deepEqual([ended.qosStatus, ended.statusInfo], ["UNAVAILABLE", "NETWORK_TERMINATED"]);
    await h.tick();
    assert.deepEqual(h.emulator?.subscriptions() ?? [], [], "the pending reservation is released");
  });

  test("+99999990202 is REQUESTED in the 201, AVAILABLE 2 s later", async () => {
    const res = await create("+99999990202");
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().qosStatus, "REQUESTED");
    if (h.emulator === null) {
      h.clock.advance(1_999);
      await h.tick();
      assert.equal((await read(res.json().sessionId)).qosStatus, "REQUESTED");
      h.clock.advance(1);
    } else {
      // The emulator's allocation delay is real time, not the harness's clock.
      const granted = await h.emulator.waitForNotification(
        (n) => n.event === "SUCCESSFUL_RESOURCES_ALLOCATION",
        5_000,
      );
      assert.equal(granted.status, 204);
    }
    await h.tick();
    assert.equal((await read(res.json().sessionId)).qosStatus, "AVAILABLE");
  });

  test("+99999990403's user denies a CIBA request: access_denied", async () => {
    const client = await newOAuthClient(h, "ciba-403");
    const { auth_req_id } = await startCiba(h, client, { scope: "openid", login_hint: "tel:+99999990403" });
    const res = await pollCiba(h, client, auth_req_id);
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error, "access_denied");
  });

  test("+99999990100's user consents to a CIBA request after 5 s: authorization_pending until then", async () => {
    const client = await newOAuthClient(h, "ciba-100");
    const { auth_req_id } = await startCiba(h, client, { scope: "openid", login_hint: "tel:+99999990100" });
    const pending = await pollCiba(h, client, auth_req_id);
    assert.equal(pending.statusCode, 400, pending.body);
    assert.equal(pending.json().error, "authorization_pending");
    h.clock.advance(5_000);
    const res = await pollCiba(h, client, auth_req_id);
    assert.equal(res.statusCode, 200, res.body);
  });

  test("any other device's user consents to a CIBA request at once", async () => {
    const client = await newOAuthClient(h, "ciba-ok");
    const { auth_req_id } = await startCiba(h, client, { scope: "openid", login_hint: "tel:+36701000002" });
    assert.equal((await pollCiba(h, client, auth_req_id)).statusCode, 200);
  });
});
