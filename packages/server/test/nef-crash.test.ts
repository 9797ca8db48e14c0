import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { NefEmulator } from "../src/nef-emulator/index.ts";
import { dropDatabase } from "./helpers/engine.ts";
import { freePort, type ServerProcess, startServerProcess } from "./helpers/process.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const KEY = "nef-crash-test-key-0123456789";
const NEF_TOKEN = "nef-crash-token";
const PHONE = "+36721601234567";
/** The UE as the adapter names it to the NEF (gpsi), which the emulator's behaviours are keyed by. */
const UE = "msisdn-36721601234567";

/** Polls `check` every 50 ms until it holds, for at most `ms`. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The server SIGKILLed at the instants the network contract must survive, against the NEF emulator
 * (which outlives it, as a real NEF would): after restart the NEF's subscriptions and OpenQoD's live
 * sessions match exactly, and every notification the client was owed arrives.
 */
describe("crash safety with a NEF (separate server processes, SIGKILL)", () => {
  let dataDir: string;
  let receiver: TestReceiver;
  let nef: NefEmulator;
  let apiRoot: string;
  let port: number;
  let server: ServerProcess | null = null;

  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "openqod-nef-crash-"));
    receiver.requests.length = 0;
    nef = new NefEmulator({ tokens: [NEF_TOKEN], notificationRetryDelayMs: 20 });
    apiRoot = await nef.start({ host: "127.0.0.1", port: 0 });
    port = await freePort();
  });
  afterEach(async () => {
    if (server !== null && server.child.exitCode === null) {
      server.child.kill("SIGKILL");
      await server.exited;
    }
    server = null;
    await nef.close();
    await rm(dataDir, { recursive: true, force: true });
    await dropDatabase(dataDir);
  });

  /** Starts (or restarts) the server on the same port, data and callback secret. */
  async function start(): Promise<ServerProcess> {
    server = await startServerProcess({
      OPENQOD_DATA_DIR: dataDir,
      OPENQOD_SANDBOX_KEY: KEY,
      OPENQOD_PORT: String(port),
      OPENQOD_NETWORK: "nef",
      OPENQOD_NEF_URL: apiRoot,
      OPENQOD_NEF_SCS_AS_ID: "openqod",
      OPENQOD_NEF_TOKEN: NEF_TOKEN,
      OPENQOD_NEF_TIMEOUT: "1s",
      OPENQOD_NEF_CALLBACK_URL: `http://127.0.0.1:${port}`,
      OPENQOD_NEF_CALLBACK_SECRET: "a-callback-secret-shared-by-every-start-0123",
      OPENQOD_DELIVERY_LEASE: "3s",
      OPENQOD_DELIVERY_TIMEOUT: "1s",
    });
    return server;
  }

  async function kill(): Promise<void> {
    if (server === null) return;
    server.child.kill("SIGKILL");
    await server.exited;
  }

  /** One API call; resolves with the status and the parsed body (null when empty). */
  async function post(url: string, path: string, body?: unknown, method = "POST") {
    const res = await fetch(`${url}/quality-on-demand/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${KEY}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      text,
      json: text === "" ? null : (JSON.parse(text) as Record<string, unknown>),
    };
  }

  const sessionBody = (server: string, duration = 3600) => ({
    device: { phoneNumber: PHONE },
    applicationServer: { ipv4Address: server },
    qosProfile: "QOS_E",
    duration,
    sink: receiver.url,
    sinkCredential: {
      credentialType: "ACCESSTOKEN",
      accessToken: "tok",
      accessTokenExpiresUtc: "2099-01-01T00:00:00Z",
      accessTokenType: "bearer",
    },
  });

  /**
   * The notifications received, as `sessionId STATUS[/INFO]`, each once: delivery is at least once, and
   * one delivered just before the kill may come again after the restart, with the same CloudEvent id.
   */
  const received = () =>
    [...new Map(receiver.requests.map((r) => [(r.json as { id: string }).id, r])).values()].map((r) => {
      const data = (r.json as { data: { sessionId: string; qosStatus: string; statusInfo?: string } }).data;
      return `${data.sessionId} ${data.qosStatus}${data.statusInfo === undefined ? "" : `/${data.statusInfo}`}`;
    });

  async function liveSessions(url: string): Promise<string[]> {
    const res = await post(url, "/retrieve-sessions", { device: { phoneNumber: PHONE } });
    assert.equal(res.status, 200);
    const sessions = res.json as unknown as { sessionId: string; qosStatus: string }[];
    return sessions
      .filter((s) => s.qosStatus !== "UNAVAILABLE")
      .map((s) => s.sessionId)
      .sort();
  }

  /** The session ids the NEF holds subscriptions for, read from their notification destinations. */
  const subscribed = () =>
    nef
      .subscriptions()
      .map((s) => /\/sessions\/([^/]+)\//.exec(s.body.notificationDestination)?.[1] ?? "?")
      .sort();

  test("(a) killed after the NEF created the subscription, before the session committed", async () => {
    const first = await start();
    nef.setUeBehaviour(UE, { answerDelayMs: 10_000 });
    const pending = post(first.url, "/sessions", sessionBody("233.252.0.2")).catch(() => null);
    await eventually("the NEF's subscription", () => nef.subscriptions().length === 1);
    await kill();
    assert.equal((await pending)?.status, undefined, "the client never got an answer");
    nef.clearUeBehaviour(UE);

    const second = await start();
    await eventually("the orphaned subscription's release", () => nef.subscriptions().length === 0);
    assert.deepEqual(await liveSessions(second.url), []);
    assert.deepEqual(received(), []);
    // A session for the same flow can be created now: nothing of the dead create is left.
    const res = await post(second.url, "/sessions", sessionBody("233.252.0.2"));
    assert.equal(res.status, 201, res.text);
    const { sessionId } = res.json as { sessionId: string };
    await eventually("the new subscription", () => subscribed().join() === sessionId);
  });

  test("(b) killed after a delete committed, before the NEF's DELETE", async () => {
    nef.setUeBehaviour(UE, { allocateBeforeAnswer: true });
    const first = await start();
    const res = await post(first.url, "/sessions", sessionBody("233.252.0.2"));
    assert.equal(res.status, 201, res.text);
    const { sessionId, qosStatus } = res.json as { sessionId: string; qosStatus: string };
    assert.equal(qosStatus, "AVAILABLE");
    nef.setOutage({ mode: "503", retryAfterSeconds: 1 });
    assert.equal((await post(first.url, `/sessions/${sessionId}`, undefined, "DELETE")).status, 204);
    await eventually("a DELETE refused by the NEF", () =>
      nef.requests().some((r) => r.method === "DELETE" && r.status === 503),
    );
    await kill();
    assert.deepEqual(subscribed(), [sessionId], "the NEF still holds it");
    nef.setOutage(null);

    await start();
    await eventually("the owed release", () => nef.subscriptions().length === 0);
    await eventually("every notification", () => received().length >= 2);
    assert.deepEqual(received(), [`${sessionId} AVAILABLE`, `${sessionId} UNAVAILABLE/DELETE_REQUESTED`]);
  });

  test("(c) killed while sessions expire", async () => {
    nef.setUeBehaviour(UE, { allocateBeforeAnswer: true });
    const first = await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(first.url, "/sessions", sessionBody(`233.252.0.${10 + i}`, 2));
      assert.equal(res.status, 201, res.text);
      ids.push((res.json as { sessionId: string }).sessionId);
    }
    const long = await post(first.url, "/sessions", sessionBody("233.252.0.99"));
    const survivor = (long.json as { sessionId: string }).sessionId;
    await eventually("the first expiry", () => receiver.requests.length > 6, 10_000);
    await kill();
    // Meanwhile the NEF ends the rest on its own; its notifications find nobody.
    await new Promise((r) => setTimeout(r, 2_500));

    const second = await start();
    await eventually("every session's end", () => received().length >= 11);
    await eventually("the NEF and OpenQoD agree", async () => {
      return subscribed().join() === survivor && (await liveSessions(second.url)).join() === survivor;
    });
    const ends = new Set(received().filter((r) => r.includes("UNAVAILABLE")));
    for (const id of ids) assert.ok(ends.has(`${id} UNAVAILABLE/DURATION_EXPIRED`), `${id} expired`);
    for (const id of [...ids, survivor]) assert.ok(received().includes(`${id} AVAILABLE`), `${id} granted`);
  });
});
