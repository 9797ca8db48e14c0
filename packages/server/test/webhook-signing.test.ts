import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { bearer, createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { type ReceivedRequest, TestReceiver } from "./helpers/receiver.ts";

const V1 = "/quality-on-demand/v1";
const SECRETS = "/notifications/v1/webhook-secrets";

interface SecretView {
  id: string;
  secret: string;
  createdAt: string;
  retiresAt?: string;
}

/** The standardwebhooks package's verdict on a request as it arrived: the oracle. */
function oracleVerifies(secret: string, request: ReceivedRequest): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

const signatures = (request: ReceivedRequest | undefined) =>
  String(request?.headers["webhook-signature"] ?? "").split(" ");

describe("signed notifications (Standard Webhooks)", () => {
  let h: Harness;
  let receiver: TestReceiver;
  let phones = 0;
  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(async () => {
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 204 });
    h = await createHarness();
    // The oracle checks the timestamp against the real time: the manual clock starts there.
    h.clock.set(Date.now());
  });
  afterEach(() => h.close());

  async function rotate(body?: unknown, key?: string): Promise<SecretView[]> {
    const res = await h.request("POST", `${SECRETS}/rotate`, body, key === undefined ? {} : { key });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().secrets;
  }

  async function notify(key?: string): Promise<ReceivedRequest> {
    const before = receiver.requests.length;
    const res = await h.request(
      "POST",
      `${V1}/sessions`,
      // A device of its own each time: sessions on one flow would conflict.
      sessionBody({
        device: { phoneNumber: `+3672160${1_000_000 + ++phones}` },
        sink: receiver.url,
        sinkCredential: bearer("tok"),
      }),
      key === undefined ? {} : { key },
    );
    assert.equal(res.statusCode, 201, res.body);
    await h.tick();
    await receiver.waitFor(before + 1);
    return receiver.requests[before] as ReceivedRequest;
  }

  test("a client with a secret gets webhook-id, webhook-timestamp and a v1 signature the reference library accepts", async () => {
    const [secret] = await rotate();
    assert.match(secret?.secret ?? "", /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secret!.secret.slice(6), "base64").length, 32);
    const request = await notify();
    const event = request.json as { id: string };
    assert.equal(request.headers["webhook-id"], event.id);
    assert.equal(request.headers["webhook-timestamp"], String(Math.floor(h.clock.now() / 1000)));
    assert.match(String(request.headers["webhook-signature"]), /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.ok(oracleVerifies(secret!.secret, request), "standardwebhooks verifies it");
    assert.equal(request.headers.authorization, "Bearer tok", "the bearer token still comes along");
  });

  test("one changed byte of the body, another timestamp or another secret fails the reference verification", async () => {
    const [secret] = await rotate();
    const request = await notify();
    const flipped = request.body.replace('"AVAILABLE"', '"AVAILABLF"');
    assert.notEqual(flipped, request.body);
    assert.equal(oracleVerifies(secret!.secret, { ...request, body: flipped }), false);
    const later = {
      ...request.headers,
      "webhook-timestamp": String(Number(request.headers["webhook-timestamp"]) + 1),
    };
    assert.equal(oracleVerifies(secret!.secret, { ...request, headers: later }), false);
    const [other] = await rotate(undefined, await h.newClient("other"));
    assert.equal(oracleVerifies(other!.secret, request), false);
  });

  test("a client without a secret gets no webhook-* headers", async () => {
    const request = await notify();
    assert.deepEqual(
      Object.keys(request.headers).filter((name) => name.startsWith("webhook-")),
      [],
    );
    const listed = await h.request("GET", SECRETS);
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(listed.json(), { secrets: [] });
  });

  test("each retry is signed anew, at its own time, with the same webhook-id", async () => {
    const [secret] = await rotate();
    receiver.respond = () => ({ status: 500 });
    const first = await notify();
    h.clock.advance(5_000);
    await h.tick();
    await receiver.waitFor(2);
    const retry = receiver.requests[1] as ReceivedRequest;
    assert.equal(retry.headers["webhook-id"], first.headers["webhook-id"]);
    assert.equal(Number(retry.headers["webhook-timestamp"]) - Number(first.headers["webhook-timestamp"]), 5);
    assert.ok(oracleVerifies(secret!.secret, retry));
  });

  test("after a rotation both secrets sign until the grace period ends; then only the new one does", async () => {
    const [old] = await rotate();
    // A short grace: the oracle checks timestamps against the real time, within 5 minutes.
    const secrets = await rotate({ graceSeconds: 60 });
    assert.equal(secrets.length, 2);
    const [current, retiring] = secrets;
    assert.notEqual(current!.secret, old!.secret);
    assert.equal(current!.retiresAt, undefined);
    assert.equal(retiring!.secret, old!.secret);
    assert.equal(retiring!.retiresAt, new Date(h.clock.now() + 60_000).toISOString());

    h.clock.advance(59_000);
    const during = await notify();
    assert.equal(signatures(during).length, 2);
    assert.ok(oracleVerifies(current!.secret, during), "the new secret verifies");
    assert.ok(oracleVerifies(old!.secret, during), "the old secret still verifies during the grace period");

    h.clock.advance(1_000);
    const afterGrace = await notify();
    assert.equal(signatures(afterGrace).length, 1);
    assert.ok(oracleVerifies(current!.secret, afterGrace));
    assert.equal(oracleVerifies(old!.secret, afterGrace), false, "a rotated-out secret no longer verifies");
    const listed = (await h.request("GET", SECRETS)).json().secrets as SecretView[];
    assert.deepEqual(
      listed.map((s) => s.id),
      [current!.id],
    );
  });

  test("a grace of 0 stops the previous secret at once", async () => {
    const [old] = await rotate();
    const [current, ...rest] = await rotate({ graceSeconds: 0 });
    assert.deepEqual(rest, []);
    const request = await notify();
    assert.equal(signatures(request).length, 1);
    assert.ok(oracleVerifies(current!.secret, request));
    assert.equal(oracleVerifies(old!.secret, request), false);
  });

  test("deleting the secrets turns signing off at once", async () => {
    await rotate();
    const deleted = await h.request("DELETE", SECRETS);
    assert.equal(deleted.statusCode, 204);
    assert.equal(deleted.body, "");
    const request = await notify();
    assert.equal(request.headers["webhook-signature"], undefined);
    assert.equal((await h.request("DELETE", SECRETS)).statusCode, 204, "idempotent");
  });

  test("each client sees and rotates only its own secrets, and signs only its own notifications", async () => {
    const otherKey = await h.newClient("other");
    const [mine] = await rotate();
    const listed = await h.request("GET", SECRETS, undefined, { key: otherKey });
    assert.deepEqual(listed.json(), { secrets: [] });
    const [theirs] = await rotate(undefined, otherKey);
    assert.equal((await h.request("GET", SECRETS)).json().secrets[0].id, mine!.id);
    const fromOther = await notify(otherKey);
    assert.equal(signatures(fromOther).length, 1);
    assert.ok(oracleVerifies(theirs!.secret, fromOther));
    assert.equal(oracleVerifies(mine!.secret, fromOther), false);
  });

  test("a rotation made on another server counts here within 5 s (the signer's cache)", async () => {
    const [first] = await rotate();
    await notify();
    // Straight to the store, as another server would: this one's signer is not told.
    const clientId = h.openqod.sandboxClient!.clientId;
    await h.openqod.store.rotateWebhookSecret(
      clientId,
      { id: "x1", secret: "whsec_c2Vjb25k" },
      h.clock.now(),
      0,
    );
    h.clock.advance(1_000);
    const cached = await notify();
    assert.ok(oracleVerifies(first!.secret, cached), "still the cached secret 1 s later");
    h.clock.advance(4_000);
    const fresh = await notify();
    assert.equal(oracleVerifies(first!.secret, fresh), false);
    assert.ok(oracleVerifies("whsec_c2Vjb25k", fresh), "the other server's secret 5 s later");
  });

  test("rotations at the same moment leave exactly one current secret", async () => {
    await Promise.all(Array.from({ length: 6 }, () => h.request("POST", `${SECRETS}/rotate`)));
    const rows = await h.openqod.store.db
      .selectFrom("webhook_secrets")
      .select(["id", "retires_at"])
      .where("client_id", "=", h.openqod.sandboxClient!.clientId)
      .execute();
    assert.equal(rows.filter((r) => r.retires_at === null).length, 1);
    assert.equal(rows.length, 5, "the current one and the four newest retiring ones");
    const request = await notify();
    assert.equal(signatures(request).length, 5);
  });

  test("when the secrets cannot be read, the attempt fails and is retried: nothing leaves unsigned", async () => {
    const [secret] = await rotate();
    const store = h.openqod.store;
    const read = store.webhookSecrets.bind(store);
    store.webhookSecrets = async () => {
      throw new Error("database unavailable");
    };
    // The rotation told this server's signer to read again: the read fails.
    const res = await h.request(
      "POST",
      `${V1}/sessions`,
      sessionBody({ sink: receiver.url, sinkCredential: bearer("tok") }),
    );
    assert.equal(res.statusCode, 201);
    await h.tick();
    assert.equal(receiver.requests.length, 0);
    const [attempt] = await store.attemptsOfSession(res.json().sessionId);
    assert.equal(attempt?.outcome, "retry");
    assert.match(attempt?.error ?? "", /database unavailable/);
    store.webhookSecrets = read;
    h.clock.advance(5_000);
    await h.tick();
    await receiver.waitFor(1);
    assert.ok(oracleVerifies(secret!.secret, receiver.requests[0] as ReceivedRequest));
  });

  test("Network-as-Code (v0) notifications are signed too", async () => {
    const [secret] = await rotate();
    const res = await h.request("POST", "/qod/v0/sessions", {
      device: { phoneNumber: "+36721601234567" },
      applicationServer: { ipv4Address: "233.252.0.2" },
      qosProfile: "QOS_L",
      webhook: { notificationUrl: receiver.url, notificationAuthToken: "Bearer t" },
    });
    assert.equal(res.statusCode, 201, res.body);
    await h.tick();
    await receiver.waitFor(1);
    const request = receiver.requests[0] as ReceivedRequest;
    assert.ok(request.headers["webhook-id"]);
    assert.ok(oracleVerifies(secret!.secret, request));
  });
});

describe("the webhook secrets API refuses", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  const cases: Array<[string, string, unknown, number, string, RegExp?]> = [
    [
      "a negative grace",
      "rotate",
      { graceSeconds: -1 },
      400,
      "INVALID_ARGUMENT",
      /graceSeconds must be at least 0/,
    ],
    [
      "a grace over a week",
      "rotate",
      { graceSeconds: 604_801 },
      400,
      "INVALID_ARGUMENT",
      /^graceSeconds must be at most 604800$/,
    ],
    ["a grace that is not whole", "rotate", { graceSeconds: 1.5 }, 400, "INVALID_ARGUMENT"],
    ["an unknown property", "rotate", { grace: 5 }, 400, "INVALID_ARGUMENT", /grace is not a known property/],
  ];
  for (const [what, path, body, status, code, message] of cases) {
    test(`${what}: ${status} ${code}`, async () => {
      const res = await h.request("POST", `${SECRETS}/${path}`, body);
      assert.equal(res.statusCode, status, res.body);
      assert.equal(res.json().code, code);
      if (message !== undefined) assert.match(res.json().message, message);
    });
  }

  test("a body that is not JSON: 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const res = await h.request("POST", `${SECRETS}/rotate`, "graceSeconds=5", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().code, "UNSUPPORTED_MEDIA_TYPE");
  });

  for (const [method, path] of [
    ["GET", SECRETS],
    ["POST", `${SECRETS}/rotate`],
    ["DELETE", SECRETS],
  ] as const) {
    test(`${method} ${path} without a key: 401 UNAUTHENTICATED; without the scope: 403 PERMISSION_DENIED`, async () => {
      const anonymous = await h.request(method, path, undefined, { key: null });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().code, "UNAUTHENTICATED");
      const { key } = await h.openqod.apiKeys.create(`reader-${method}`, h.clock.now(), {
        scopes: ["openqod:notifications:read"],
      });
      const reader = await h.request(method, path, undefined, { key });
      assert.equal(reader.statusCode, 403);
      assert.equal(reader.json().code, "PERMISSION_DENIED");
      assert.match(reader.json().message, /openqod:notifications:write/);
    });
  }

  test("a token bound to one device: 403 PERMISSION_DENIED", async () => {
    await assert.rejects(
      h.openqod.webhookSecrets.list({
        clientId: "c",
        device: {
          key: "phoneNumber:+36721601234567",
          kind: "phoneNumber",
          value: "+36721601234567",
        } as never,
      }),
      (error: { status?: number; code?: string }) =>
        error.status === 403 && error.code === "PERMISSION_DENIED",
    );
  });
});
