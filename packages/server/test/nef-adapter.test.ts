import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { chooseDeviceIdentifier } from "../src/domain/device.ts";
import { parseFlow } from "../src/domain/flow.ts";
import { ApiError } from "../src/errors.ts";
import type { AsSessionWithQoSSubscription } from "../src/nef/wire.ts";
import { NefEmulator } from "../src/nef-emulator/index.ts";
import type { NetworkSessionRequest } from "../src/network/adapter.ts";
import { CallbackUrls } from "../src/network/nef/callback-url.ts";
import { nefAdapterFor } from "./helpers/nef-adapter.ts";

const session = (sessionId: string, phone = "+36701234567"): NetworkSessionRequest => ({
  sessionId,
  device: chooseDeviceIdentifier({ phoneNumber: phone }),
  flow: parseFlow({ ipv4Address: "198.51.100.7" }, { ports: [5060] }, { ranges: [{ from: 8000, to: 8010 }] }),
  qosProfile: "QOS_E",
  duration: 600,
});

/** The ApiError a promise rejects with, as the client would see it. */
async function apiErrorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `an ApiError, not ${String(error)}`);
    return { status: error.status, code: error.code, retryAfter: error.headers["retry-after"] };
  }
  assert.fail("expected an ApiError");
}

describe("the NEF adapter against the NEF emulator", () => {
  const emulator = new NefEmulator({ tokens: ["nef-token-1"] });
  let apiRoot = "";
  before(async () => {
    apiRoot = await emulator.start();
  });
  afterEach(() => emulator.reset());
  after(() => emulator.close());
  const adapterWith = (env: Record<string, string> = {}) =>
    nefAdapterFor(apiRoot, { OPENQOD_NEF_TOKEN: "nef-token-1", ...env });
  const quiet = () => emulator.setUeBehaviour("*", { allocation: "NONE" });

  test("create POSTs the mapped subscription and is PENDING with the 201's Location as the ref", async () => {
    quiet();
    const dir = await mkdtemp(join(tmpdir(), "openqod-refs-"));
    await writeFile(join(dir, "refs.json"), JSON.stringify({ QOS_E: "qod-e-gold" }));
    const { adapter, dataDir } = await adapterWith({ OPENQOD_NEF_QOS_REFERENCES: join(dir, "refs.json") });
    try {
      const outcome = await adapter.create(session("s-create"));
      const [held] = emulator.subscriptions();
      assert.deepEqual(outcome, { state: "PENDING", ref: held?.url });
      assert.ok(held?.url.startsWith(`${emulator.subscriptionsUrl()}/`));
      const [post] = emulator.requests();
      assert.equal(post?.method, "POST");
      assert.equal(post?.url, "/3gpp-as-session-with-qos/v1/openqod/subscriptions");
      assert.equal(post?.authorization, "Bearer <redacted>");
      assert.equal(post?.contentType, "application/json");
      assert.equal(post?.status, 201);
      const { readFile } = await import("node:fs/promises");
      const key = (await readFile(join(dataDir, "nef-callback-secret"), "utf8")).trim();
      const callbacks = new CallbackUrls({ base: "http://127.0.0.1:9", key });
      assert.deepEqual(post?.body, {
        supportedFeatures: "0",
        notificationDestination: callbacks.urlFor("s-create"),
        gpsi: "msisdn-36701234567",
        flowInfo: [
          {
            flowId: 1,
            flowDescriptions: [
              "permit out ip from 198.51.100.7 8000-8010 to any 5060",
              "permit in ip from any 5060 to 198.51.100.7 8000-8010",
            ],
          },
        ],
        qosReference: "qod-e-gold",
        usageThreshold: { duration: 600 },
        events: [
          "SESSION_TERMINATION",
          "QOS_GUARANTEED",
          "QOS_NOT_GUARANTEED",
          "SUCCESSFUL_RESOURCES_ALLOCATION",
          "FAILED_RESOURCES_ALLOCATION",
        ],
      });
    } finally {
      await adapter.close();
    }
  });

  test("a device by IPv4 or IPv6 address is ueIpv4Addr / ueIpv6Addr; the profile's own name without a file", async () => {
    quiet();
    const { adapter } = await adapterWith();
    try {
      await adapter.create({
        ...session("s-v4"),
        device: chooseDeviceIdentifier({ ipv4Address: { publicAddress: "203.0.113.5", publicPort: 4000 } }),
      });
      await adapter.create({
        ...session("s-v6"),
        device: chooseDeviceIdentifier({ ipv6Address: "2001:DB8::0:5" }),
      });
      const bodies = emulator.requests().map((r) => r.body as AsSessionWithQoSSubscription);
      assert.equal(bodies[0]?.ueIpv4Addr, "203.0.113.5");
      assert.deepEqual(bodies[0]?.flowInfo?.[0]?.flowDescriptions, [
        "permit out ip from 198.51.100.7 8000-8010 to 203.0.113.5 5060",
        "permit in ip from 203.0.113.5 5060 to 198.51.100.7 8000-8010",
      ]);
      assert.equal(bodies[1]?.ueIpv6Addr, "2001:db8::5");
      assert.equal(bodies[0]?.qosReference, "QOS_E");
      assert.equal(emulator.subscriptions().length, 2);
    } finally {
      await adapter.close();
    }
  });

  test("extend PATCHes usageThreshold as a merge patch; the NEF holds the new duration", async () => {
    quiet();
    const { adapter } = await adapterWith();
    try {
      const outcome = await adapter.create(session("s-extend"));
      await adapter.extend({ sessionId: "s-extend", ref: outcome.ref ?? "" }, 1800);
      const patch = emulator.requests()[1];
      assert.equal(patch?.method, "PATCH");
      assert.equal(patch?.contentType, "application/merge-patch+json");
      assert.deepEqual(patch?.body, { usageThreshold: { duration: 1800 } });
      assert.equal(patch?.status, 200);
      assert.deepEqual(emulator.subscriptions()[0]?.body.usageThreshold, { duration: 1800 });
    } finally {
      await adapter.close();
    }
  });

  test("extending a subscription the NEF no longer holds is 409 SESSION_EXTENSION_NOT_ALLOWED", async () => {
    quiet();
    const { adapter } = await adapterWith();
    try {
      const { ref } = await adapter.create(session("s-gone"));
      const [held] = emulator.subscriptions();
      await emulator.terminate(held?.id ?? "");
      assert.deepEqual(await apiErrorOf(adapter.extend({ sessionId: "s-gone", ref: ref ?? "" }, 1200)), {
        status: 409,
        code: "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
        retryAfter: undefined,
      });
      assert.deepEqual(
        emulator.requests().map((r) => `${r.method} ${r.status}`),
        ["POST 201", "PATCH 404"],
      );
    } finally {
      await adapter.close();
    }
  });

  test("release DELETEs the subscription; a second release (the NEF's 404) is a success too", async () => {
    quiet();
    const { adapter } = await adapterWith();
    try {
      const { ref } = await adapter.create(session("s-release"));
      await adapter.release({ sessionId: "s-release", ref });
      await adapter.release({ sessionId: "s-release", ref });
      assert.deepEqual(emulator.subscriptions(), []);
      assert.deepEqual(
        emulator.requests().map((r) => `${r.method} ${r.status}`),
        ["POST 201", "DELETE 204", "DELETE 404"],
      );
    } finally {
      await adapter.close();
    }
  });

  test("release without a ref finds the session's subscription by its notificationDestination", async () => {
    quiet();
    const { adapter } = await adapterWith();
    try {
      await adapter.create(session("s-keep", "+36701111111"));
      await adapter.create(session("s-lost", "+36702222222"));
      await adapter.release({ sessionId: "s-lost", ref: null });
      assert.deepEqual(
        emulator.subscriptions().map((s) => s.body.gpsi),
        ["msisdn-36701111111"],
      );
      assert.deepEqual(
        emulator.requests().map((r) => r.method),
        ["POST", "POST", "GET", "DELETE"],
      );
      await adapter.release({ sessionId: "s-never", ref: null });
    } finally {
      await adapter.close();
    }
  });

  test("reservations() lists OpenQoD's subscriptions with their session ids and skips foreign ones", async () => {
    quiet();
    const { adapter } = await adapterWith();
    try {
      const a = await adapter.create(session("s-a", "+36701111111"));
      const b = await adapter.create(session("s-b", "+36702222222"));
      // Another application under the same SCS/AS id, with its own callback.
      const foreign = await fetch(emulator.subscriptionsUrl(), {
        method: "POST",
        headers: { authorization: "Bearer nef-token-1", "content-type": "application/json" },
        body: JSON.stringify({
          supportedFeatures: "0",
          notificationDestination:
            "https://other-app.example/network/nef/v1/sessions/s-x/notifications/forged",
          gpsi: "msisdn-36703333333",
          flowInfo: [{ flowId: 1, flowDescriptions: ["permit out ip from 198.51.100.9 to any"] }],
          qosReference: "QOS_E",
        }),
      });
      assert.equal(foreign.status, 201);
      assert.equal(emulator.subscriptions().length, 3);
      const held = await adapter.reservations();
      assert.deepEqual(
        held.sort((x, y) => x.sessionId.localeCompare(y.sessionId)),
        [
          { sessionId: "s-a", ref: a.ref },
          { sessionId: "s-b", ref: b.ref },
        ],
      );
    } finally {
      await adapter.close();
    }
  });

  test("checkDevice: every device is KNOWN with every profile (the NEF has no lookup), and no call is made", async () => {
    const { adapter } = await adapterWith();
    try {
      assert.deepEqual(await adapter.checkDevice(chooseDeviceIdentifier({ phoneNumber: "+36701234567" })), {
        status: "KNOWN",
        profiles: null,
      });
      assert.deepEqual(emulator.requests(), []);
    } finally {
      await adapter.close();
    }
  });

  test("an unknown UE is 404 IDENTIFIER_NOT_FOUND; a refused service 422 SERVICE_NOT_APPLICABLE, a refused QoS 422 QOS_PROFILE_NOT_APPLICABLE", async () => {
    emulator.setUeBehaviour("msisdn-36700000404", { unknown: true });
    emulator.setUeBehaviour("msisdn-36700000403", {
      refuse: { status: 403, cause: "REQUESTED_SERVICE_NOT_AUTHORIZED" },
    });
    emulator.setUeBehaviour("msisdn-36700000422", {
      refuse: { status: 403, cause: "QOS_NOT_AUTHORIZED" },
    });
    const { adapter } = await adapterWith();
    try {
      assert.deepEqual(await apiErrorOf(adapter.create(session("s-1", "+36700000404"))), {
        status: 404,
        code: "IDENTIFIER_NOT_FOUND",
        retryAfter: undefined,
      });
      assert.deepEqual(await apiErrorOf(adapter.create(session("s-2", "+36700000403"))), {
        status: 422,
        code: "SERVICE_NOT_APPLICABLE",
        retryAfter: undefined,
      });
      assert.deepEqual(await apiErrorOf(adapter.create(session("s-3", "+36700000422"))), {
        status: 422,
        code: "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
        retryAfter: undefined,
      });
      assert.deepEqual(emulator.subscriptions(), []);
      assert.deepEqual(
        emulator.requests().map((r) => r.status),
        [500, 403, 403],
        "a create is never repeated after an answer",
      );
    } finally {
      await adapter.close();
    }
  });

  test("a NEF outage is 503 UNAVAILABLE with the NEF's Retry-After; a dropped connection with 5 s", async () => {
    const { adapter } = await adapterWith();
    try {
      emulator.setOutage({ mode: "503", retryAfterSeconds: 7 });
      assert.deepEqual(await apiErrorOf(adapter.create(session("s-1"))), {
        status: 503,
        code: "UNAVAILABLE",
        retryAfter: "7",
      });
      emulator.setOutage({ mode: "destroy" });
      assert.deepEqual(await apiErrorOf(adapter.create(session("s-2"))), {
        status: 503,
        code: "UNAVAILABLE",
        retryAfter: "5",
      });
      assert.deepEqual(
        emulator.requests().map((r) => r.method),
        ["POST", "POST"],
        "no create is repeated: the NEF may have acted on it",
      );
      // A release is safe to repeat, and is; Retry-After 7 s is longer than the client waits, so once.
      emulator.setOutage({ mode: "destroy" });
      assert.deepEqual(
        await apiErrorOf(adapter.release({ sessionId: "s-1", ref: `${emulator.subscriptionsUrl()}/x` })),
        {
          status: 503,
          code: "UNAVAILABLE",
          retryAfter: "5",
        },
      );
      assert.equal(emulator.requests().filter((r) => r.method === "DELETE").length, 3);
    } finally {
      await adapter.close();
    }
  });

  test("a token the NEF refuses is 503 UNAVAILABLE (OpenQoD's configuration, not the client's fault)", async () => {
    const { adapter, attempts } = await adapterWith({ OPENQOD_NEF_TOKEN: "wrong-token" });
    try {
      assert.deepEqual(await apiErrorOf(adapter.create(session("s-1"))), {
        status: 503,
        code: "UNAVAILABLE",
        retryAfter: "5",
      });
      assert.deepEqual(
        attempts.map((a) => [a.operation, a.status, a.outcome]),
        [["create", 401, "4xx"]],
      );
    } finally {
      await adapter.close();
    }
  });
});
