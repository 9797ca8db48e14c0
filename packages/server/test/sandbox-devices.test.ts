import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { NETWORK } from "./helpers/nef-network.ts";

const QOD = "/quality-on-demand/v1";
const DEVICES = "/sandbox/v1/devices";
const PHONE = "+36721601234567";

describe("sandbox: each client's device rules", { skip: NETWORK === "nef" && "the simulator's only" }, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(() => h.close());

  async function rule(body: Record<string, unknown>, key?: string) {
    const res = await h.request("PUT", DEVICES, body, key === undefined ? {} : { key });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { id: string; outcome: string };
  }
  const create = (key?: string) =>
    h.request("POST", `${QOD}/sessions`, sessionBody(), key === undefined ? {} : { key });
  const read = async (id: string) => (await h.request("GET", `${QOD}/sessions/${id}`)).json();

  test("REFUSE ends that client's new session for the phone UNAVAILABLE; another client's is granted", async () => {
    await rule({ device: { phoneNumber: PHONE }, outcome: "REFUSE" });
    const mine = await create();
    assert.equal(mine.statusCode, 201, mine.body);
    assert.equal(mine.json().qosStatus, "REQUESTED");
    await h.tick();
    const ended = await read(mine.json().sessionId);
    assert.equal(ended.qosStatus, "UNAVAILABLE");
    const other = await create(await h.newClient("other-client"));
    assert.equal(other.statusCode, 201, other.body);
    assert.equal(other.json().qosStatus, "AVAILABLE");
  });

  test("NOT_FOUND: create answers 404 IDENTIFIER_NOT_FOUND", async () => {
    await rule({ device: { phoneNumber: PHONE }, outcome: "NOT_FOUND" });
    const res = await create();
    assert.equal(res.statusCode, 404, res.body);
    assert.equal(res.json().code, "IDENTIFIER_NOT_FOUND");
  });

  test("SERVICE_NOT_APPLICABLE: create answers 422 SERVICE_NOT_APPLICABLE", async () => {
    await rule({ device: { phoneNumber: PHONE }, outcome: "SERVICE_NOT_APPLICABLE" });
    const res = await create();
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().code, "SERVICE_NOT_APPLICABLE");
  });

  test("GRANT after 3000 ms: REQUESTED, then AVAILABLE once the clock has moved 3 s", async () => {
    await rule({ device: { phoneNumber: PHONE }, outcome: "GRANT", activationDelayMs: 3000 });
    const res = await create();
    assert.equal(res.json().qosStatus, "REQUESTED", res.body);
    await h.tick();
    assert.equal((await read(res.json().sessionId)).qosStatus, "REQUESTED");
    h.clock.advance(3000);
    await h.tick();
    assert.equal((await read(res.json().sessionId)).qosStatus, "AVAILABLE");
  });

  test("PUT again replaces the rule; the list shows it and the test devices", async () => {
    await rule({ device: { phoneNumber: PHONE }, outcome: "NOT_FOUND" });
    const second = await rule({ device: { phoneNumber: PHONE }, outcome: "SERVICE_NOT_APPLICABLE" });
    const list = (await h.request("GET", DEVICES)).json();
    assert.deepEqual(
      list.devices.map((d: { id: string; device: unknown; outcome: string }) => [d.id, d.device, d.outcome]),
      [[second.id, { phoneNumber: PHONE }, "SERVICE_NOT_APPLICABLE"]],
    );
    assert.ok(
      list.testDevices.some(
        (d: { device: { phoneNumber?: string } }) => d.device.phoneNumber === "+99999990404",
      ),
    );
    assert.equal((await create()).json().code, "SERVICE_NOT_APPLICABLE");
  });

  test("DELETE answers 204, and the phone is granted again", async () => {
    const { id } = await rule({ device: { phoneNumber: PHONE }, outcome: "NOT_FOUND" });
    assert.equal((await h.request("DELETE", `${DEVICES}/${id}`)).statusCode, 204);
    assert.deepEqual((await h.request("GET", DEVICES)).json().devices, []);
    const res = await create();
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().qosStatus, "AVAILABLE");
  });

  test("DELETE of an unknown id or another client's rule: 404 NOT_FOUND, and the rule stays", async () => {
    const { id } = await rule({ device: { phoneNumber: PHONE }, outcome: "NOT_FOUND" });
    const unknown = await h.request("DELETE", `${DEVICES}/no-such-rule`);
    assert.deepEqual([unknown.statusCode, unknown.json().code], [404, "NOT_FOUND"]);
    const other = await h.request("DELETE", `${DEVICES}/${id}`, undefined, {
      key: await h.newClient("other"),
    });
    assert.deepEqual([other.statusCode, other.json().code], [404, "NOT_FOUND"]);
    assert.equal((await create()).statusCode, 404);
  });

  for (const [name, body] of [
    [
      "two identifiers",
      { device: { phoneNumber: PHONE, networkAccessIdentifier: "a@b.example" }, outcome: "GRANT" },
    ],
    ["no identifier", { device: {}, outcome: "GRANT" }],
    ["an unknown outcome", { device: { phoneNumber: PHONE }, outcome: "MAYBE" }],
    [
      "a delay over 600000 ms",
      { device: { phoneNumber: PHONE }, outcome: "GRANT", activationDelayMs: 600_001 },
    ],
  ] as const) {
    test(`a body with ${name}: 400 INVALID_ARGUMENT`, async () => {
      const res = await h.request("PUT", DEVICES, body);
      assert.deepEqual([res.statusCode, res.json().code], [400, "INVALID_ARGUMENT"], res.body);
      assert.deepEqual((await h.request("GET", DEVICES)).json().devices, []);
    });
  }
});
