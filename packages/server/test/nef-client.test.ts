import assert from "node:assert/strict";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ManualClock } from "../src/clock.ts";
import { ConfigError } from "../src/config.ts";
import { chooseDeviceIdentifier } from "../src/domain/device.ts";
import { parseFlow } from "../src/domain/flow.ts";
import { ApiError } from "../src/errors.ts";
import { NefEmulator } from "../src/nef-emulator/index.ts";
import type { NetworkSessionRequest } from "../src/network/adapter.ts";
import { closedPort, nefAdapterFor } from "./helpers/nef-adapter.ts";
import { createTestPki } from "./helpers/tls.ts";

const session = (sessionId: string): NetworkSessionRequest => ({
  sessionId,
  device: chooseDeviceIdentifier({ phoneNumber: "+36701234567" }),
  flow: parseFlow({ ipv4Address: "198.51.100.7" }, null, null),
  qosProfile: "QOS_E",
  duration: 600,
});

async function apiErrorOf(promise: Promise<unknown>, messages?: string[]) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `an ApiError, not ${String(error)}`);
    messages?.push(error.message);
    return { status: error.status, code: error.code, retryAfter: error.headers["retry-after"] };
  }
  assert.fail("expected an ApiError");
}

describe("the NEF client: credentials, timeouts, retries, TLS", () => {
  test("OAuth client credentials: one token for many calls, a new one at 80 % of its lifetime", async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const emulator = new NefEmulator({
      clock,
      oauthClients: [{ clientId: "openqod", clientSecret: "s3cret" }],
      tokenLifetimeSeconds: 100,
    });
    const apiRoot = await emulator.start();
    emulator.setUeBehaviour("*", { allocation: "NONE" });
    const { adapter, attempts } = await nefAdapterFor(
      apiRoot,
      {
        OPENQOD_NEF_OAUTH_TOKEN_URL: emulator.tokenUrl,
        OPENQOD_NEF_OAUTH_CLIENT_ID: "openqod",
        OPENQOD_NEF_OAUTH_CLIENT_SECRET: "s3cret",
      },
      { clock },
    );
    try {
      await Promise.all([adapter.reservations(), adapter.reservations(), adapter.reservations()]);
      assert.equal(emulator.credentials.issuedCount, 1, "concurrent callers share one fetch");
      clock.advance(79_000);
      await adapter.reservations();
      assert.equal(emulator.credentials.issuedCount, 1);
      clock.advance(1_000);
      await adapter.reservations();
      assert.equal(emulator.credentials.issuedCount, 2, "renewed at 80 s of 100 s, before it expired");
      const token = emulator.requests().find((r) => r.url === "/oauth/token");
      assert.equal(token?.authorization, "Basic <redacted>");
      assert.deepEqual(
        emulator.requests().map((r) => r.status),
        [200, 200, 200, 200, 200, 200, 200],
        "no call was refused",
      );
      assert.ok(attempts.some((a) => a.operation === "token" && a.outcome === "2xx"));
    } finally {
      await adapter.close();
      await emulator.close();
    }
  });

  test("a token endpoint down at renewal time: the token in hand serves until it expires, then 503", async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const emulator = new NefEmulator({ clock, tokens: ["tok-issued"] });
    const apiRoot = await emulator.start();
    let endpointUp = true;
    let issued = 0;
    const tokenServer = createHttpServer((request, response) => {
      request.resume();
      if (!endpointUp) return void response.writeHead(503).end();
      issued++;
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ access_token: "tok-issued", token_type: "Bearer", expires_in: 100 }));
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, "127.0.0.1", resolve));
    const address = tokenServer.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const { adapter } = await nefAdapterFor(
      apiRoot,
      {
        OPENQOD_NEF_OAUTH_TOKEN_URL: `http://127.0.0.1:${port}/token`,
        OPENQOD_NEF_OAUTH_CLIENT_ID: "openqod",
        OPENQOD_NEF_OAUTH_CLIENT_SECRET: "s3cret",
      },
      { clock },
    );
    try {
      await adapter.reservations();
      endpointUp = false;
      clock.advance(90_000);
      assert.deepEqual(await adapter.reservations(), [], "renewal failed; the unexpired token still works");
      clock.advance(10_000);
      assert.deepEqual(await apiErrorOf(adapter.reservations()), {
        status: 503,
        code: "UNAVAILABLE",
        retryAfter: "5",
      });
      assert.equal(issued, 1);
      assert.equal(emulator.requests().length, 2, "the NEF is not called without a valid token");
    } finally {
      await adapter.close();
      await emulator.close();
      await new Promise((resolve) => tokenServer.close(resolve));
    }
  });

  test("a 401 (the NEF revoked the token) fetches a new token once and repeats the call, a POST too", async () => {
    const emulator = new NefEmulator({ oauthClients: [{ clientId: "openqod", clientSecret: "s3cret" }] });
    const apiRoot = await emulator.start();
    emulator.setUeBehaviour("*", { allocation: "NONE" });
    const { adapter } = await nefAdapterFor(apiRoot, {
      OPENQOD_NEF_OAUTH_TOKEN_URL: emulator.tokenUrl,
      OPENQOD_NEF_OAUTH_CLIENT_ID: "openqod",
      OPENQOD_NEF_OAUTH_CLIENT_SECRET: "s3cret",
    });
    try {
      await adapter.reservations();
      emulator.expireTokens();
      const outcome = await adapter.create(session("s-1"));
      assert.equal(outcome.state, "PENDING");
      assert.deepEqual(
        emulator.requests().map((r) => `${r.method} ${r.url.split("/").at(-1)} ${r.status}`),
        [
          "POST token 200",
          "GET subscriptions 200",
          "POST subscriptions 401",
          "POST token 200",
          "POST subscriptions 201",
        ],
      );
      assert.equal(emulator.subscriptions().length, 1);
    } finally {
      await adapter.close();
      await emulator.close();
    }
  });

  test("wrong client credentials are 503 UNAVAILABLE, and the NEF is not called", async () => {
    const emulator = new NefEmulator({ oauthClients: [{ clientId: "openqod", clientSecret: "s3cret" }] });
    const apiRoot = await emulator.start();
    const { adapter, attempts } = await nefAdapterFor(apiRoot, {
      OPENQOD_NEF_OAUTH_TOKEN_URL: emulator.tokenUrl,
      OPENQOD_NEF_OAUTH_CLIENT_ID: "openqod",
      OPENQOD_NEF_OAUTH_CLIENT_SECRET: "wrong",
    });
    try {
      const messages: string[] = [];
      assert.deepEqual(await apiErrorOf(adapter.create(session("s-1")), messages), {
        status: 503,
        code: "UNAVAILABLE",
        retryAfter: "5",
      });
      assert.deepEqual(messages, ["The network refused OpenQoD's credentials. Try again later."]);
      assert.deepEqual(
        emulator.requests().map((r) => `${r.url} ${r.status}`),
        ["/oauth/token 401"],
      );
      const [token] = attempts;
      assert.equal(token?.error, "status 401 (invalid_client)");
      assert.ok(!JSON.stringify(attempts).includes("wrong"), "the secret is in no attempt report");
    } finally {
      await adapter.close();
      await emulator.close();
    }
  });

  test("a create that times out is 503 UNAVAILABLE and is never sent again; release by session finds it", async () => {
    const emulator = new NefEmulator();
    const apiRoot = await emulator.start();
    emulator.setUeBehaviour("*", { allocation: "NONE", createDelayMs: 600 });
    const { adapter, attempts } = await nefAdapterFor(apiRoot, { OPENQOD_NEF_TIMEOUT: "200ms" });
    try {
      const started = Date.now();
      assert.deepEqual(await apiErrorOf(adapter.create(session("s-slow"))), {
        status: 503,
        code: "UNAVAILABLE",
        retryAfter: "5",
      });
      assert.equal(adapter.createTimeoutMs, 2_000, "5 × 200 ms + 1 s: what the core guards a create for");
      assert.ok(Date.now() - started < adapter.createTimeoutMs);
      assert.deepEqual(
        attempts.map((a) => [a.operation, a.outcome]),
        [["create", "timeout"]],
      );
      // The NEF went on and created it: what the release guard's release by sessionId is for.
      const deadline = Date.now() + 3_000;
      while (emulator.subscriptions().length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(emulator.subscriptions().length, 1);
      await adapter.release({ sessionId: "s-slow", ref: null });
      assert.deepEqual(emulator.subscriptions(), []);
      assert.equal(emulator.requests().filter((r) => r.method === "POST").length, 1);
    } finally {
      await adapter.close();
      await emulator.close();
    }
  });

  test("a create whose connection was refused (nothing sent) is sent again", async () => {
    const port = await closedPort();
    const emulator = new NefEmulator();
    emulator.setUeBehaviour("*", { allocation: "NONE" });
    const { adapter, attempts } = await nefAdapterFor(`http://127.0.0.1:${port}`);
    try {
      const create = adapter.create(session("s-1"));
      // The NEF comes up while the client waits (100 ms) before its second attempt.
      setTimeout(() => void emulator.start({ port }), 20);
      assert.equal((await create).state, "PENDING");
      assert.deepEqual(
        attempts.map((a) => [a.operation, a.outcome]),
        [
          ["create", "connection_error"],
          ["create", "2xx"],
        ],
      );
      assert.equal(emulator.subscriptions().length, 1);
    } finally {
      await adapter.close();
      await emulator.close();
    }
  });

  test("GET is repeated after a 503 with a short Retry-After, and succeeds", async () => {
    const emulator = new NefEmulator();
    const apiRoot = await emulator.start();
    const { adapter, attempts, events } = await nefAdapterFor(apiRoot);
    try {
      emulator.setOutage({ mode: "503", retryAfterSeconds: 0 });
      // The outage ends as soon as the first attempt is reported (before the client waits to retry).
      events.once("nef:request", () => emulator.setOutage(null));
      const listing = adapter.reservations();
      assert.deepEqual(await listing, []);
      assert.deepEqual(
        attempts.map((a) => [a.operation, a.status]),
        [
          ["list", 503],
          ["list", 200],
        ],
      );
    } finally {
      await adapter.close();
      await emulator.close();
    }
  });

  test("a private CA (OPENQOD_NEF_CA_FILE) lets the client trust the NEF and its token endpoint; without it, 503", async () => {
    const pki = await createTestPki();
    const emulator = new NefEmulator({
      tls: { cert: pki.cert, key: pki.key },
      oauthClients: [{ clientId: "openqod", clientSecret: "s3cret" }],
    });
    const apiRoot = await emulator.start();
    assert.match(apiRoot, /^https:/);
    const oauth = {
      OPENQOD_NEF_OAUTH_TOKEN_URL: emulator.tokenUrl,
      OPENQOD_NEF_OAUTH_CLIENT_ID: "openqod",
      OPENQOD_NEF_OAUTH_CLIENT_SECRET: "s3cret",
    };
    const trusting = await nefAdapterFor(apiRoot, { ...oauth, OPENQOD_NEF_CA_FILE: pki.caFile });
    const untrusting = await nefAdapterFor(apiRoot, oauth);
    try {
      assert.deepEqual(await trusting.adapter.reservations(), []);
      assert.deepEqual(
        emulator.requests().map((r) => `${r.method} ${r.url} ${r.status}`),
        ["POST /oauth/token 200", "GET /3gpp-as-session-with-qos/v1/openqod/subscriptions 200"],
      );
      const messages: string[] = [];
      assert.deepEqual(await apiErrorOf(untrusting.adapter.reservations(), messages), {
        status: 503,
        code: "UNAVAILABLE",
        retryAfter: "5",
      });
      assert.deepEqual(messages, ["The network cannot be reached. Try again later."]);
      assert.deepEqual(
        untrusting.attempts.map((a) => [a.operation, a.outcome]),
        [["token", "connection_error"]],
      );
      assert.equal(emulator.requests().length, 2, "no request got through without the CA");
    } finally {
      await trusting.adapter.close();
      await untrusting.adapter.close();
      await emulator.close();
      await pki.remove();
    }
  });

  test("an unreadable CA file or one without a certificate stops the start, by name", async () => {
    const dir = await mkdtemp(join(tmpdir(), "openqod-ca-"));
    await writeFile(join(dir, "empty.pem"), "not a certificate\n");
    const problemsOf = async (caFile: string) => {
      try {
        await nefAdapterFor("http://127.0.0.1:9", { OPENQOD_NEF_CA_FILE: caFile });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems;
      }
      assert.fail("expected a ConfigError");
    };
    const [missing] = await problemsOf(join(dir, "missing.pem"));
    assert.match(
      missing ?? "",
      /^cannot read the NEF CA file \(OPENQOD_NEF_CA_FILE\) .*missing\.pem: ENOENT/,
    );
    assert.deepEqual(await problemsOf(join(dir, "empty.pem")), [
      `the NEF CA file ${join(dir, "empty.pem")} holds no PEM certificate`,
    ]);
  });

  test("the callback secret is generated once into DATA_DIR/nef-callback-secret (0600) and kept; a given one wins", async () => {
    const first = await nefAdapterFor("http://127.0.0.1:9");
    const file = join(first.dataDir, "nef-callback-secret");
    const key = (await readFile(file, "utf8")).trim();
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const second = await nefAdapterFor("http://127.0.0.1:9", {}, { dataDir: first.dataDir });
    assert.equal(second.adapter.callbacks.secretFor("s-1"), first.adapter.callbacks.secretFor("s-1"));
    const given = await nefAdapterFor(
      "http://127.0.0.1:9",
      { OPENQOD_NEF_CALLBACK_SECRET: "operator-chosen-secret" },
      { dataDir: first.dataDir },
    );
    assert.notEqual(given.adapter.callbacks.secretFor("s-1"), first.adapter.callbacks.secretFor("s-1"));
    for (const { adapter } of [first, second, given]) await adapter.close();
  });
});
