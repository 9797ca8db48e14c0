import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TestReceiver } from "../../server/test/helpers/receiver.ts";
import {
  ConflictError,
  NetworkAsCodeClient,
  NotFoundError,
  PermissionDeniedError,
  QodSession,
  ValidationError,
} from "../src/index.ts";
import { KEY, startOpenQod } from "./server.ts";

let server: Awaited<ReturnType<typeof startOpenQod>>;
let receiver: TestReceiver;
before(async () => {
  server = await startOpenQod();
  receiver = await TestReceiver.start();
});
after(async () => {
  await server.close();
  await receiver.close();
});

let phone = 3_671_000_000;
const client = (token = KEY) => new NetworkAsCodeClient({ token, baseUrl: server.url });
const create = (c: NetworkAsCodeClient, params: { notify?: boolean; duration?: number } = {}) =>
  c.devices.get({ phoneNumber: `+${++phone}` }).createQodSession({
    profile: "QOS_L",
    serviceIpv4: "233.252.0.2",
    duration: params.duration ?? 3600,
    ...(params.notify ? { notificationUrl: receiver.url, notificationAuthToken: "sdk-sink-token" } : {}),
  });

/** Polls `read` until `done` says yes; fails after `timeoutMs`. */
async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`not within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("OpenQoD extensions against a real sandbox", () => {
  test("sessions.list pages through your sessions of every device; sessions.all walks every page", async () => {
    const { key } = await server.openqod.apiKeys.create("lister", Date.now());
    const mine = client(key);
    const created: string[] = [];
    for (let i = 0; i < 105; i++) created.push((await create(mine)).id);

    const first = await mine.sessions.list({ limit: 2 });
    assert.equal(first.sessions.length, 2);
    assert.ok(first.sessions[0] instanceof QodSession);
    assert.equal(first.sessions[0]?.status, "AVAILABLE");
    assert.ok(first.sessions[0]?.expiresAt instanceof Date);
    assert.equal(typeof first.nextCursor, "string");
    const second = await mine.sessions.list({
      limit: 2,
      ...(first.nextCursor ? { cursor: first.nextCursor } : {}),
    });
    assert.equal(second.sessions.length, 2);
    assert.notEqual(second.sessions[0]?.id, first.sessions[0]?.id);

    const all: string[] = [];
    for await (const session of mine.sessions.all()) all.push(session.id);
    assert.deepEqual(all, [...created].sort(), "every session once, by id (UUIDv7: creation order)");

    const session = first.sessions[0];
    await session?.delete();
    const available = [];
    for await (const s of mine.sessions.all({ status: "AVAILABLE" })) available.push(s.id);
    assert.equal(available.length, 104);
    assert.ok(!available.includes(session?.id ?? ""));

    const stranger = (await server.openqod.apiKeys.create("stranger", Date.now())).key;
    assert.deepEqual(await client(stranger).sessions.list(), { sessions: [] });
  });

  test("a limit outside 1..100 is a ValidationError before anything is sent", async () => {
    await assert.rejects(client().sessions.list({ limit: 101 }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.field, "limit");
      assert.equal(error.message, "limit: give a whole number from 1 to 100; got 101");
      return true;
    });
  });

  test("notifications.list shows a failing receiver's attempts; redeliver sends it again at once, same id", async () => {
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 500 });
    const session = await create(client(), { notify: true });
    // The sandbox retries at 0, 100 ms and 200 ms, then gives up.
    const [failed] = await eventually(
      () => client().notifications.list(session.id),
      (list) => list[0]?.state === "failed",
    );
    assert.equal(failed?.qosStatus, "AVAILABLE");
    assert.equal(failed?.sink, receiver.url);
    assert.deepEqual(
      failed?.attempts.map((a) => [a.outcome, a.statusCode]),
      [
        ["retry", 500],
        ["retry", 500],
        ["failed", 500],
      ],
    );

    receiver.respond = () => ({ status: 204 });
    const queued = await client().notifications.redeliver(failed?.id ?? "");
    assert.equal(queued.state, "pending");
    await receiver.waitFor(4, 5_000);
    assert.equal(receiver.events[3]?.id, failed?.id);
    const [delivered] = await eventually(
      () => client().notifications.list(session.id),
      (list) => list[0]?.state === "delivered",
    );
    assert.equal(delivered?.attempts.at(-1)?.outcome, "delivered");
  });

  test("notifications of another client's session are PermissionDeniedError; an unknown one NotFoundError", async () => {
    const session = await create(client());
    const other = client((await server.openqod.apiKeys.create("nosy", Date.now())).key);
    const denied = await other.notifications.list(session.id).catch((e: unknown) => e);
    assert.ok(denied instanceof PermissionDeniedError);
    assert.equal(denied.code, "PERMISSION_DENIED");
    const missing = await client()
      .notifications.redeliver("0190a0f0-0000-7000-8000-000000000000")
      .catch((e: unknown) => e);
    assert.ok(missing instanceof NotFoundError);
    assert.equal(missing.message, "404 NOT_FOUND: The specified notification is not found.");
  });

  test("sandbox.expire and sandbox.networkTerminate end sessions, notified; twice is a ConflictError", async () => {
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 204 });
    const expiring = await create(client(), { notify: true });
    const expired = await client().sandbox.expire(expiring.id);
    assert.ok(expired instanceof QodSession);
    assert.equal(expired.status, "UNAVAILABLE");
    assert.equal(expired.statusInfo, "DURATION_EXPIRED");
    await receiver.waitFor(2, 5_000);
    assert.deepEqual(
      receiver.events.map((e) => [e.data.qosStatus, e.data.statusInfo]),
      [
        ["AVAILABLE", undefined],
        ["UNAVAILABLE", "DURATION_EXPIRED"],
      ],
    );
    const again = await client()
      .sandbox.expire(expiring.id)
      .catch((e: unknown) => e);
    assert.ok(again instanceof ConflictError);
    assert.equal(again.code, "CONFLICT");

    const terminated = await client().sandbox.networkTerminate((await create(client())).id);
    assert.equal(terminated.statusInfo, "NETWORK_TERMINATED");
  });

  test("sandbox.networkEvent applies the network's event; networkLoss drops the reservation (then a ConflictError)", async () => {
    const degraded = await client().sandbox.networkEvent((await create(client())).id, "NOT_GUARANTEED");
    assert.ok(degraded instanceof QodSession);
    assert.equal(degraded.status, "AVAILABLE");
    const refused = await client().sandbox.networkEvent((await create(client())).id, "REFUSED");
    assert.deepEqual([refused.status, refused.statusInfo], ["UNAVAILABLE", "NETWORK_TERMINATED"]);

    const lost = await create(client());
    assert.equal(await client().sandbox.networkLoss(lost.id), undefined);
    for (const call of [
      () => client().sandbox.networkLoss(lost.id),
      () => client().sandbox.networkEvent(lost.id, "GRANTED"),
    ]) {
      const error = await call().catch((e: unknown) => e);
      assert.ok(error instanceof ConflictError);
      assert.equal(error.message, `409 CONFLICT: The network holds no reservation for session ${lost.id}.`);
    }
  });

  for (const target of ["nac", "camara"] as const) {
    test(`on target "${target}" every extension is a ValidationError and sends nothing`, async () => {
      let sent = 0;
      const other = new NetworkAsCodeClient({
        token: "k",
        target,
        baseUrl: "http://127.0.0.1:9",
        fetch: async () => {
          sent++;
          return new Response("{}");
        },
      });
      const calls: Array<[string, () => Promise<unknown>]> = [
        ["sessions.list", () => other.sessions.list()],
        ["sessions.list", () => other.sessions.all().next()],
        ["notifications.list", () => other.notifications.list("s")],
        ["notifications.redeliver", () => other.notifications.redeliver("n")],
        ["sandbox.networkTerminate", () => other.sandbox.networkTerminate("s")],
        ["sandbox.expire", () => other.sandbox.expire("s")],
        ["sandbox.networkEvent", () => other.sandbox.networkEvent("s", "GRANTED")],
        ["sandbox.networkLoss", () => other.sandbox.networkLoss("s")],
      ];
      for (const [what, call] of calls) {
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof ValidationError);
          assert.equal(error.field, "target");
          assert.equal(
            error.message,
            `target: ${what} is an OpenQoD extension; it needs target "openqod" (this client talks to another provider)`,
          );
          return true;
        });
      }
      assert.equal(sent, 0);
    });
  }
});
