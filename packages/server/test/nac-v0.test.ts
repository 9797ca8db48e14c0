import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createHarness, type Harness, SANDBOX_KEY, sessionBody } from "./helpers/harness.ts";
import { freePort } from "./helpers/process.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const V0 = "/qod/v0";
const V1 = "/quality-on-demand/v1";
/** Nokia's SDKs send the app key in x-rapidapi-key; x-rapidapi-host comes along. */
const nac = {
  key: null,
  headers: { "x-rapidapi-key": SANDBOX_KEY, "x-rapidapi-host": "network-as-code.nokia.rapidapi.com" },
};

function v0Body(overrides: Record<string, unknown> = {}) {
  const { duration: _d, ...body } = sessionBody(overrides);
  return "duration" in overrides ? { ...body, duration: overrides.duration } : body;
}

describe("Network-as-Code dialect /qod/v0", () => {
  let h: Harness;
  let receiver: TestReceiver;
  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(async () => {
    receiver.requests.length = 0;
    h = await createHarness();
  });
  afterEach(() => h.close());

  test("creates a session with the app key in x-rapidapi-key; Unix-second times; 24 h by default", async () => {
    const res = await h.request(
      "POST",
      `${V0}/sessions`,
      v0Body({ webhook: { notificationUrl: receiver.url, notificationAuthToken: "Bearer my-token" } }),
      nac,
    );
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    const now = Math.floor(h.clock.now() / 1000);
    assert.equal(body.qosStatus, "AVAILABLE");
    assert.equal(body.duration, 86_400);
    assert.equal(body.startedAt, now);
    assert.equal(body.expiresAt, now + 86_400);
    assert.deepEqual(body.webhook, { notificationUrl: receiver.url });
    assert.ok(!res.body.includes("my-token"), "the token is never returned");
    assert.equal(body.messages[0].severity, "INFO");
    assert.deepEqual(body.device, { phoneNumber: "+36721601234567" });
  });

  test("errors keep v1's form and codes", async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ duration: 86_401 }, 400, "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE"],
      [{ device: undefined }, 422, "MISSING_IDENTIFIER"],
      [{ webhook: { notificationUrl: "http://example.com/n" } }, 400, "INVALID_SINK"],
      [{ webhook: { notificationUrl: "https://example.com/n", extra: 1 } }, 400, "INVALID_ARGUMENT"],
      [{ qosProfile: "QOS_XXL" }, 400, "INVALID_ARGUMENT"],
    ];
    for (const [overrides, status, code] of cases) {
      const res = await h.request(
        "POST",
        `${V0}/sessions`,
        JSON.parse(JSON.stringify(v0Body(overrides))),
        nac,
      );
      assert.equal(res.statusCode, status, JSON.stringify(overrides));
      assert.deepEqual(Object.keys(res.json()).sort(), ["code", "message", "status"]);
      assert.equal(res.json().code, code);
    }
    const noKey = await h.request("POST", `${V0}/sessions`, v0Body(), { key: null });
    assert.equal(noKey.statusCode, 401);
    assert.equal(noKey.json().code, "UNAUTHENTICATED");
  });

  test("one session, both dialects: created in v0, read, extended and deleted in v1", async () => {
    const created = (
      await h.request(
        "POST",
        `${V0}/sessions`,
        v0Body({ duration: 600, webhook: { notificationUrl: receiver.url } }),
        nac,
      )
    ).json();
    const v1 = (await h.request("GET", `${V1}/sessions/${created.sessionId}`)).json();
    assert.equal(v1.sink, receiver.url);
    assert.equal(v1.expiresAt, new Date(created.expiresAt * 1000).toISOString());
    const extended = await h.request("POST", `${V1}/sessions/${created.sessionId}/extend`, {
      requestedAdditionalDuration: 60,
    });
    assert.equal(extended.json().duration, 660);
    assert.equal(
      (await h.request("GET", `${V0}/sessions/${created.sessionId}`, undefined, nac)).json().duration,
      660,
    );
    assert.equal((await h.request("DELETE", `${V1}/sessions/${created.sessionId}`)).statusCode, 204);
    await h.tick();
    // Notifications go in the dialect that created the session.
    assert.deepEqual(
      receiver.requests.map((r) => r.headers["content-type"]),
      ["application/json", "application/json"],
    );
    assert.equal(receiver.events[1]?.data.statusInfo, "DELETE_REQUESTED");
  });

  test("one session, both dialects: created in v1, read, extended, listed and deleted in v0", async () => {
    const created = (
      await h.request("POST", `${V1}/sessions`, sessionBody({ duration: 600, sink: receiver.url }))
    ).json();
    const v0 = (await h.request("GET", `${V0}/sessions/${created.sessionId}`, undefined, nac)).json();
    assert.equal(v0.startedAt, Date.parse(created.startedAt) / 1000);
    assert.deepEqual(v0.webhook, { notificationUrl: receiver.url });
    const extended = (
      await h.request(
        "POST",
        `${V0}/sessions/${created.sessionId}/extend`,
        { requestedAdditionalDuration: 60 },
        nac,
      )
    ).json();
    assert.equal(extended.duration, 660);
    const listed = (
      await h.request("POST", `${V0}/retrieve-sessions`, { device: { phoneNumber: "+36721601234567" } }, nac)
    ).json();
    assert.deepEqual(
      listed.map((s: { sessionId: string }) => s.sessionId),
      [created.sessionId],
    );
    assert.equal(
      (await h.request("DELETE", `${V0}/sessions/${created.sessionId}`, undefined, nac)).statusCode,
      204,
    );
    await h.tick();
    assert.deepEqual(
      receiver.requests.map((r) => r.headers["content-type"]),
      ["application/cloudevents+json", "application/cloudevents+json"],
    );
  });

  test("a v0 extension keeps the remaining time within 24 h", async () => {
    const created = (await h.request("POST", `${V0}/sessions`, v0Body({ duration: 86_000 }), nac)).json();
    h.clock.advance(3_600_000);
    const res = (
      await h.request(
        "POST",
        `${V0}/sessions/${created.sessionId}/extend`,
        { requestedAdditionalDuration: 10_000 },
        nac,
      )
    ).json();
    assert.equal(res.expiresAt, Math.floor(h.clock.now() / 1000) + 86_400);
    assert.equal(res.duration, 3_600 + 86_400);
  });

  test("Authorization: a token with a scheme goes verbatim, a bare one gets Bearer, never Bearer Bearer", async () => {
    for (const [token, expected] of [
      ["Bearer my-token", "Bearer my-token"],
      ["my-token", "Bearer my-token"],
      ["Basic dXNlcjpwdw==", "Basic dXNlcjpwdw=="],
    ]) {
      receiver.requests.length = 0;
      const phoneNumber = `+3670${Math.floor(Math.random() * 1e7)}`;
      await h.request(
        "POST",
        `${V0}/sessions`,
        v0Body({
          device: { phoneNumber },
          webhook: { notificationUrl: receiver.url, notificationAuthToken: token },
        }),
        nac,
      );
      await h.tick();
      assert.equal(receiver.requests[0]?.headers.authorization, expected);
    }
  });
});

const PYTHON = "/usr/bin/python3";
const hasFastApi = spawnSync(PYTHON, ["-c", "import fastapi, uvicorn"], { stdio: "ignore" }).status === 0;

describe("the seed's FastAPI receiver accepts every v0 notification", {
  skip: hasFastApi ? false : "needs Debian python3-fastapi and python3-uvicorn (.ci/run installs them)",
}, () => {
  let python: ChildProcess;
  let url: string;
  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    python = spawn(
      PYTHON,
      [fileURLToPath(new URL("./fixtures/seed_receiver.py", import.meta.url)), String(port)],
      { stdio: "inherit" },
    );
    const deadline = Date.now() + 20_000;
    while (
      !(await fetch(`${url}/received`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error("the Python receiver did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => {
    python.kill("SIGTERM");
  });

  test("AVAILABLE, DELETE_REQUESTED, DURATION_EXPIRED and NETWORK_TERMINATED, each with the right Authorization", async () => {
    const h = await createHarness();
    try {
      const create = async (phoneNumber: string, duration: number, token: string) => {
        const res = await h.request(
          "POST",
          `${V0}/sessions`,
          v0Body({
            device: { phoneNumber },
            duration,
            webhook: { notificationUrl: `${url}/qod`, notificationAuthToken: token },
          }),
          nac,
        );
        assert.equal(res.statusCode, 201, res.body);
        return res.json().sessionId as string;
      };
      // The seed's Python SDK sends the token prefixed; a bare token must arrive the same way.
      const deleted = await create("+36700000001", 3600, "Bearer my-token");
      const expired = await create("+36700000002", 60, "my-token");
      const terminated = await create("+36700000003", 3600, "Bearer my-token");
      await h.tick();
      await h.request("DELETE", `${V0}/sessions/${deleted}`, undefined, nac);
      await h.request("POST", `/sandbox/v1/sessions/${terminated}/network-terminate`, undefined, nac);
      h.clock.advance(60_000);
      await h.tick();
      await h.tick();

      const received = (await (await fetch(`${url}/received`)).json()) as Array<{
        notification: {
          data: { sessionId: string; qosStatus: string; statusInfo: string };
          event: { eventType: string };
        };
        authorized: boolean;
      }>;
      const seen = received.map((r) => [
        r.notification.data.sessionId,
        r.notification.data.qosStatus,
        r.notification.data.statusInfo,
      ]);
      assert.deepEqual(
        new Set(seen.map((s) => JSON.stringify(s))),
        new Set(
          [
            [deleted, "AVAILABLE", "SESSION_AVAILABLE"],
            [expired, "AVAILABLE", "SESSION_AVAILABLE"],
            [terminated, "AVAILABLE", "SESSION_AVAILABLE"],
            [deleted, "UNAVAILABLE", "DELETE_REQUESTED"],
            [terminated, "UNAVAILABLE", "NETWORK_TERMINATED"],
            [expired, "UNAVAILABLE", "DURATION_EXPIRED"],
          ].map((s) => JSON.stringify(s)),
        ),
      );
      assert.ok(
        received.every((r) => r.authorized),
        "every notification carried Authorization: Bearer my-token",
      );
      assert.ok(received.every((r) => r.notification.event.eventType === "QOS_STATUS_CHANGED"));
      // FastAPI answered 200 to each, so nothing is left to retry.
      for (const id of [deleted, expired, terminated]) {
        for (const event of await h.openqod.store.outboxOfSession(id)) assert.equal(event.state, "delivered");
      }
    } finally {
      await h.close();
    }
  });
});

describe("the TypeScript receiver in examples/", () => {
  test("accepts OpenQoD's v0 notifications with the right token and refuses others with 401", async () => {
    const port = await freePort();
    const example = fileURLToPath(new URL("../../../examples/nac-receiver.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", example], {
      env: { ...process.env, PORT: String(port), QOD_TOKEN: "my-token" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const h = await createHarness();
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes("listening")) {
        if (Date.now() > deadline) throw new Error("the example did not start");
        await new Promise((r) => setTimeout(r, 50));
      }
      const stranger = await fetch(`http://127.0.0.1:${port}/qod`, {
        method: "POST",
        headers: { authorization: "Bearer guess" },
        body: "{}",
      });
      assert.equal(stranger.status, 401);
      const created = await h.request(
        "POST",
        `${V0}/sessions`,
        v0Body({
          webhook: { notificationUrl: `http://127.0.0.1:${port}/qod`, notificationAuthToken: "my-token" },
        }),
        nac,
      );
      await h.tick();
      const [event] = await h.openqod.store.outboxOfSession(created.json().sessionId);
      assert.equal(event?.state, "delivered");
      while (!output.includes(created.json().sessionId) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.match(output, new RegExp(`"sessionId":"${created.json().sessionId}","qosStatus":"AVAILABLE"`));
    } finally {
      child.kill("SIGTERM");
      await h.close();
    }
  });
});
