import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TestReceiver } from "../../server/test/helpers/receiver.ts";
import {
  type APIError,
  BadRequestError,
  ClearSessionsError,
  ConflictError,
  NetworkAsCodeClient,
  NotFoundError,
  PermissionDeniedError,
  UnauthorizedError,
  UnprocessableEntityError,
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

let phone = 3_670_000_000;
/** The seed's device, with a fresh phone number per test so flows never conflict. */
const seedDevice = () => ({
  networkAccessIdentifier: "device@testcsp.net",
  ipv4Address: { publicAddress: "233.252.0.2", privateAddress: "192.0.2.25", publicPort: 80 },
  ipv6Address: "2001:db8:1234:5678:9abc:def0:fedc:ba98",
  phoneNumber: String(++phone), // the seed leaves out the "+"; the SDK adds it
});

async function expectAPIError<T extends APIError>(
  promise: Promise<unknown>,
  Class: new (...args: never[]) => T,
  status: number,
  code: string,
): Promise<T> {
  const error = await promise.then(
    () => assert.fail(`expected ${Class.name}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof Class, `${String(error)} is a ${Class.name}`);
  assert.equal(error.status, status);
  assert.equal(error.code, code);
  assert.equal((error.body as { code: string }).code, code, "the raw body is kept");
  assert.match(error.correlator ?? "", /^[0-9a-f-]{36}$/, "the x-correlator of the call");
  assert.ok(error.headers.get("content-type")?.includes("json"));
  return error;
}

for (const dialect of ["v1", "v0"] as const) {
  describe(`against OpenQoD, dialect ${dialect}`, () => {
    const client = () => new NetworkAsCodeClient({ token: KEY, baseUrl: server.url, dialect });

    test("the seed's flow: device, session with notification URL and token, listing, extend, refresh, delete", async () => {
      receiver.requests.length = 0;
      const device = client().devices.get(seedDevice());
      assert.equal(device.phoneNumber, `+${phone}`);
      const session = await device.createQodSession({
        profile: "QOS_L",
        serviceIpv4: "233.252.0.2",
        serviceIpv6: "2001:db8:1234:5678:9abc:def0:fedc:ba98",
        duration: 3600,
        notificationUrl: receiver.url,
        notificationAuthToken: "replace-with-your-auth-token",
      });
      assert.match(session.id, /^[0-9a-f-]{36}$/);
      assert.equal(session.profile, "QOS_L");
      assert.equal(session.status, "AVAILABLE");
      assert.equal(session.duration, 3600);
      assert.ok(session.startedAt instanceof Date && session.expiresAt instanceof Date);
      assert.equal(session.expiresAt.getTime() - session.startedAt.getTime(), 3_600_000);
      assert.equal(session.serviceIpv4, "233.252.0.2");
      assert.equal(session.notificationUrl, receiver.url);
      assert.deepEqual(session.device, { phoneNumber: `+${phone}` });

      await receiver.waitFor(1);
      assert.equal(receiver.requests[0]?.headers.authorization, "Bearer replace-with-your-auth-token");

      const listed = await device.sessions();
      assert.deepEqual(
        listed.map((s) => s.id),
        [session.id],
      );

      await session.extend(60);
      assert.equal(session.duration, 3660);
      const again = await client().sessions.get(session.id);
      assert.equal(again.duration, 3660);
      assert.equal(again.expiresAt?.getTime(), session.startedAt.getTime() + 3_660_000);

      await session.delete();
      await expectAPIError(session.refresh(), NotFoundError, 404, "NOT_FOUND");
      await receiver.waitFor(2);
      assert.equal(
        (receiver.requests[1]?.json as { data: { statusInfo: string } } | null)?.data.statusInfo,
        "DELETE_REQUESTED",
      );
    });

    test("clearSessions deletes every session of the device and says which", async () => {
      const device = client().devices.get(seedDevice());
      const a = await device.createQodSession({ profile: "QOS_E", serviceIpv4: "198.51.100.1" });
      const b = await device.createQodSession({
        profile: "QOS_E",
        serviceIpv4: "198.51.100.2",
        servicePorts: { ranges: [{ from: 5000, to: 5010 }] },
      });
      assert.deepEqual(b.servicePorts, { ranges: [{ from: 5000, to: 5010 }] });
      assert.deepEqual((await device.clearSessions()).sort(), [a.id, b.id].sort());
      assert.deepEqual(await device.sessions(), []);
    });

    test("API errors come as one class per status, with code, body, headers and correlator", async () => {
      const device = client().devices.get(seedDevice());
      await expectAPIError(
        device.createQodSession({ profile: "QOS_L", serviceIpv4: "233.252.0.2", duration: 100_000 }),
        BadRequestError,
        400,
        "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
      );
      await device.createQodSession({ profile: "QOS_L", serviceIpv4: "233.252.0.2" });
      await expectAPIError(
        device.createQodSession({ profile: "QOS_L", serviceIpv4: "233.252.0.2" }),
        ConflictError,
        409,
        "CONFLICT",
      );
      await expectAPIError(
        client().sessions.get("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        NotFoundError,
        404,
        "NOT_FOUND",
      );
      const notApplicable = client().devices.get({ phoneNumber: "+99999990422" });
      await expectAPIError(
        notApplicable.createQodSession({ profile: "QOS_L", serviceIpv4: "233.252.0.2" }),
        UnprocessableEntityError,
        422,
        "SERVICE_NOT_APPLICABLE",
      );
      const stranger = new NetworkAsCodeClient({
        token: "not-a-key-at-all",
        baseUrl: server.url,
        dialect,
        maxRetries: 0,
      });
      await expectAPIError(
        stranger.devices.get(seedDevice()).sessions(),
        UnauthorizedError,
        401,
        "UNAUTHENTICATED",
      );
      const { key } = await server.openqod.apiKeys.create(`other-${dialect}`, Date.now());
      const mine = (await device.sessions())[0];
      const other = new NetworkAsCodeClient({ token: key, baseUrl: server.url, dialect });
      await expectAPIError(
        other.sessions.get(mine?.id ?? ""),
        PermissionDeniedError,
        403,
        "PERMISSION_DENIED",
      );
      await device.clearSessions();
    });
  });
}

describe("QoS profiles", () => {
  test("lists with filters and gets by name", async () => {
    const client = new NetworkAsCodeClient({ token: KEY, baseUrl: server.url });
    assert.deepEqual(
      (await client.qosProfiles.list({ status: "ACTIVE" })).map((p) => p.name),
      ["QOS_E", "QOS_S", "QOS_M", "QOS_L"],
    );
    assert.deepEqual(
      (await client.qosProfiles.list({ name: "QOS_M", device: { phoneNumber: "36701234567" } })).map(
        (p) => p.name,
      ),
      ["QOS_M"],
    );
    const qosE = await client.qosProfiles.get("QOS_E");
    assert.equal(qosE.packetDelayBudget?.unit, "Milliseconds");
    await expectAPIError(client.qosProfiles.get("QOS_XL"), NotFoundError, 404, "NOT_FOUND");
  });
});

describe("local validation", () => {
  test("input that can be checked here throws ValidationError before any request", async () => {
    let calls = 0;
    const client = new NetworkAsCodeClient({
      token: KEY,
      baseUrl: server.url,
      fetch: async (...args) => {
        calls++;
        return fetch(...args);
      },
    });
    assert.throws(
      () => client.devices.get({}),
      (e) => e instanceof ValidationError && e.field === "device",
    );
    assert.throws(
      () => client.devices.get({ phoneNumber: "+36 (1) 234" }),
      (e) => e instanceof ValidationError && e.field === "phoneNumber",
    );
    assert.throws(
      () => client.devices.get({ ipv4Address: { publicAddress: "203.0.113.1" } }),
      ValidationError,
    );
    const device = client.devices.get({ phoneNumber: "+36701234567" });
    const bad: Array<[Parameters<typeof device.createQodSession>[0], string]> = [
      [{ profile: "QOS_L" }, "serviceIpv4"],
      [{ profile: "QOS_L", serviceIpv4: "300.0.0.1" }, "serviceIpv4"],
      [
        { profile: "QOS_L", serviceIpv4: "233.252.0.2", devicePorts: { ports: [70_000] } },
        "devicePorts.ports[0]",
      ],
      [
        { profile: "QOS_L", serviceIpv4: "233.252.0.2", servicePorts: { ranges: [{ from: 9, to: 1 }] } },
        "servicePorts.ranges[0]",
      ],
      [{ profile: "QOS_L", serviceIpv4: "233.252.0.2", duration: 0 }, "duration"],
      [{ profile: "QOS_L", serviceIpv4: "233.252.0.2", notificationAuthToken: "t" }, "notificationAuthToken"],
      [{ profile: "QOS_L", serviceIpv4: "233.252.0.2", notificationUrl: "not a url" }, "notificationUrl"],
    ];
    for (const [params, field] of bad) {
      await assert.rejects(
        device.createQodSession(params),
        (e) => e instanceof ValidationError && e.field === field,
      );
    }
    assert.equal(calls, 0);
    assert.throws(() => new NetworkAsCodeClient({ baseUrl: server.url }), ValidationError);
  });

  test("CAMARA names work too: sink and sinkCredential", async () => {
    receiver.requests.length = 0;
    const client = new NetworkAsCodeClient({ token: KEY, baseUrl: server.url });
    const device = client.devices.get({ phoneNumber: "+36709999999" });
    const session = await device.createQodSession({
      profile: "QOS_S",
      serviceIpv4: "233.252.0.2",
      sink: receiver.url,
      sinkCredential: {
        credentialType: "ACCESSTOKEN",
        accessToken: "camara-token",
        accessTokenExpiresUtc: "2099-01-01T00:00:00Z",
        accessTokenType: "bearer",
      },
    });
    await receiver.waitFor(1);
    assert.equal(receiver.requests[0]?.headers.authorization, "Bearer camara-token");
    await session.delete();
  });

  test("clearSessions reports failures and still deletes the rest", async () => {
    const client = new NetworkAsCodeClient({ token: KEY, baseUrl: server.url });
    const device = client.devices.get({ phoneNumber: "+36708888888" });
    const keep = await device.createQodSession({ profile: "QOS_E", serviceIpv4: "198.51.100.7" });
    await device.createQodSession({ profile: "QOS_E", serviceIpv4: "198.51.100.8" });
    // A fetch that fails every DELETE of `keep`.
    const flaky = new NetworkAsCodeClient({
      token: KEY,
      baseUrl: server.url,
      maxRetries: 0,
      fetch: async (input, init) =>
        init?.method === "DELETE" && String(input).endsWith(keep.id)
          ? Promise.reject(new TypeError("connection reset"))
          : fetch(input, init),
    });
    const error = await flaky.devices
      .get({ phoneNumber: "+36708888888" })
      .clearSessions()
      .then(
        () => assert.fail("expected ClearSessionsError"),
        (e: unknown) => e,
      );
    assert.ok(error instanceof ClearSessionsError);
    assert.equal(error.deleted.length, 1);
    assert.deepEqual(
      error.failures.map((f) => f.sessionId),
      [keep.id],
    );
    assert.deepEqual(
      (await device.sessions()).map((s) => s.id),
      [keep.id],
    );
    await keep.delete();
  });
});
