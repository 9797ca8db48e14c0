import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ALL_SCOPES, OPERATOR_SCOPE } from "../../server/src/auth/scopes.ts";
import { TestReceiver } from "../../server/test/helpers/receiver.ts";
import { BadRequestError, NetworkAsCodeClient, NotFoundError, PermissionDeniedError } from "../src/index.ts";
import { startOpenQod } from "./server.ts";

let server: Awaited<ReturnType<typeof startOpenQod>>;
let receiver: TestReceiver;
before(async () => {
  // One attempt per notification: a refused one is failed at once.
  server = await startOpenQod({ OPENQOD_RETRY_SCHEDULE: "0" });
  receiver = await TestReceiver.start();
});
after(async () => {
  await server.close();
  await receiver.close();
});

let phone = 3_672_000_000;
const client = (token: string) => new NetworkAsCodeClient({ token, baseUrl: server.url });
const newKey = async (name: string, operator = false) =>
  (
    await server.openqod.apiKeys.create(name, Date.now(), {
      scopes: operator ? [...ALL_SCOPES, OPERATOR_SCOPE] : [...ALL_SCOPES],
    })
  ).key;

/** Polls `read` until `done` says yes; fails after `timeoutMs`. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`not within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("delivery operations through the SDK, against a real sandbox", () => {
  test("sessions.list filters by device and creation time", async () => {
    const mine = client(await newKey("filters"));
    const number = `+${++phone}`;
    const first = await mine.devices.get({ phoneNumber: number }).createQodSession({
      profile: "QOS_L",
      serviceIpv4: "233.252.0.2",
      duration: 600,
    });
    const between = new Date();
    await new Promise((r) => setTimeout(r, 5));
    const second = await mine.devices
      .get({ phoneNumber: `+${++phone}` })
      .createQodSession({ profile: "QOS_L", serviceIpv4: "233.252.0.2", duration: 600 });

    const byDevice = await mine.sessions.list({ device: { phoneNumber: number } });
    assert.deepEqual(
      byDevice.sessions.map((s) => s.id),
      [first.id],
    );
    const later = await mine.sessions.list({ createdAfter: between });
    assert.deepEqual(
      later.sessions.map((s) => s.id),
      [second.id],
    );
    const rejected = await mine.sessions.list({ createdBefore: "soon" }).catch((e: unknown) => e);
    assert.ok(rejected instanceof BadRequestError);
    assert.equal(rejected.code, "INVALID_ARGUMENT");
  });

  test("notifications.recover sends a failed notification again once; sinks list, pause and resume", async () => {
    const key = await newKey("recoverer");
    const operator = client(await newKey("operator", true));
    const mine = client(key);
    const since = new Date(Date.now() - 1_000).toISOString();
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 500 });
    const session = await mine.devices.get({ phoneNumber: `+${++phone}` }).createQodSession({
      profile: "QOS_L",
      serviceIpv4: "233.252.0.2",
      duration: 600,
      notificationUrl: receiver.url,
      notificationAuthToken: "sdk-sink-token",
    });
    await eventually(
      () => mine.notifications.list(session.id),
      (n) => n[0]?.state === "failed",
    );
    receiver.respond = () => ({ status: 204 });

    const recovered = await mine.notifications.recover({ sink: receiver.url, since });
    assert.deepEqual(recovered, { recovered: 1, alreadyPending: 0, skipped: 0, more: false });
    await eventually(
      () => mine.notifications.list(session.id),
      (n) => n[0]?.state === "delivered",
    );
    const again = await mine.notifications.recover({ sink: receiver.url, since });
    assert.equal(again.recovered, 0, "delivered: not sent again");
    assert.equal(receiver.requests.length, 2, "the failed attempt, then the recovered one");

    const origin = new URL(receiver.url).origin;
    const [sink] = await mine.sinks.list();
    assert.equal(sink?.origin, origin);
    assert.equal(sink?.state, "active");
    assert.equal(sink?.recentAttempts, 2);
    assert.equal(sink?.recentSuccessRate, 0.5);

    const denied = await mine.sinks.pause(origin).catch((e: unknown) => e);
    assert.ok(denied instanceof PermissionDeniedError);
    assert.equal(denied.code, "PERMISSION_DENIED");
    const paused = await operator.sinks.pause(origin);
    assert.equal(paused.pausedBy, "operator");
    const resumed = await operator.sinks.resume(origin);
    assert.equal(resumed.state, "active");
    const unknown = await operator.sinks.resume("https://never.example").catch((e: unknown) => e);
    assert.ok(unknown instanceof NotFoundError);
  });
});
