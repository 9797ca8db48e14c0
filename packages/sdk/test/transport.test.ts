import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  APIConnectionError,
  APITimeoutError,
  type Clock,
  InternalServerError,
  NETWORK_AS_CODE,
  NetworkAsCodeClient,
  TooManyRequestsError,
} from "../src/index.ts";
import { backoffMs, retryAfterMs } from "../src/transport.ts";
import { instantClock } from "./clock.ts";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that answers from a script and records what it was sent. */
function scriptedFetch(script: Array<Response | Error | "hang">) {
  const calls: Call[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === "string" && init.body.startsWith("{") ? JSON.parse(init.body) : init?.body,
    });
    const step = script.shift() ?? new Error("script exhausted");
    if (step === "hang") {
      return new Promise((_, reject) => {
        if (init?.signal?.aborted) reject(init.signal.reason);
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    }
    if (step instanceof Error) throw step;
    return step;
  };
  return { calls, fetch: fetchImpl as typeof fetch };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const SESSION = {
  sessionId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
  qosProfile: "QOS_L",
  qosStatus: "AVAILABLE",
  duration: 3600,
  applicationServer: { ipv4Address: "233.252.0.2" },
  startedAt: "2026-06-01T12:00:00Z",
  expiresAt: "2026-06-01T13:00:00Z",
};
const connectionRefused = () => new TypeError("fetch failed", { cause: new Error("ECONNREFUSED") });

function client(
  fetchImpl: typeof fetch,
  extra: Partial<ConstructorParameters<typeof NetworkAsCodeClient>[0]> = {},
) {
  return new NetworkAsCodeClient({
    token: "k",
    baseUrl: "http://qod.test",
    fetch: fetchImpl,
    clock: instantClock().clock,
    ...extra,
  });
}
const create = (c: NetworkAsCodeClient) =>
  c.devices
    .get({ phoneNumber: "+36701234567" })
    .createQodSession({ profile: "QOS_L", serviceIpv4: "233.252.0.2" });

describe("request path", () => {
  test("a read is retried after 503 with Retry-After, with the same x-correlator on every attempt", async () => {
    const { calls, fetch } = scriptedFetch([
      json(503, { status: 503, code: "UNAVAILABLE", message: "busy" }, { "retry-after": "0" }),
      json(200, SESSION),
    ]);
    const session = await client(fetch).sessions.get(SESSION.sessionId);
    assert.equal(session.id, SESSION.sessionId);
    assert.equal(calls.length, 2);
    assert.equal(calls[0]?.headers["x-correlator"], calls[1]?.headers["x-correlator"]);
    assert.equal(calls[0]?.headers.authorization, "Bearer k");
  });

  test("a read is retried after connection errors, up to maxRetries, then fails with APIConnectionError", async () => {
    const { calls, fetch } = scriptedFetch([connectionRefused(), connectionRefused(), connectionRefused()]);
    const error = await client(fetch, { maxRetries: 2 })
      .sessions.get("x")
      .catch((e: unknown) => e);
    assert.ok(error instanceof APIConnectionError && !(error instanceof APITimeoutError));
    assert.equal(calls.length, 3);
    assert.equal(error.correlator, calls[0]?.headers["x-correlator"]);
  });

  test("a create is never retried blindly: a lost answer is an APIConnectionError after one attempt", async () => {
    const { calls, fetch } = scriptedFetch([connectionRefused(), json(201, SESSION)]);
    await assert.rejects(create(client(fetch)), APIConnectionError);
    assert.equal(calls.length, 1);
  });

  test("a create is retried when the server said it did nothing (429)", async () => {
    const { calls, fetch } = scriptedFetch([
      json(429, { status: 429, code: "TOO_MANY_REQUESTS", message: "slow down" }, { "retry-after": "0" }),
      json(201, SESSION),
    ]);
    const session = await create(client(fetch));
    assert.equal(session.status, "AVAILABLE");
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[0]?.body, calls[1]?.body);
  });

  test("a create that gets a 500 is not retried", async () => {
    const { calls, fetch } = scriptedFetch([
      json(500, { status: 500, code: "INTERNAL", message: "boom" }),
      json(201, SESSION),
    ]);
    const error = await create(client(fetch)).catch((e: unknown) => e);
    assert.ok(error instanceof InternalServerError);
    assert.equal(error.code, "INTERNAL");
    assert.equal(calls.length, 1);
  });

  test("429s that outlast the retries surface as TooManyRequestsError", async () => {
    const busy = () =>
      json(429, { status: 429, code: "TOO_MANY_REQUESTS", message: "slow down" }, { "retry-after": "0" });
    const { calls, fetch } = scriptedFetch([busy(), busy()]);
    const error = await client(fetch, { maxRetries: 1 })
      .sessions.get("x")
      .catch((e: unknown) => e);
    assert.ok(error instanceof TooManyRequestsError);
    assert.equal(calls.length, 2);
  });

  test("no answer within timeoutMs is an APITimeoutError", async () => {
    const { calls, fetch } = scriptedFetch(["hang", "hang"]);
    const error = await client(fetch, { timeoutMs: 30, maxRetries: 1 })
      .sessions.get("x")
      .catch((e: unknown) => e);
    assert.ok(error instanceof APITimeoutError, String(error));
    assert.equal(calls.length, 2);
  });

  test("the caller's AbortSignal stops the call at once, without retries", async () => {
    const { calls, fetch } = scriptedFetch(["hang", "hang"]);
    const controller = new AbortController();
    const pending = client(fetch).sessions.get("x", { signal: controller.signal });
    controller.abort(new Error("user gave up"));
    await assert.rejects(pending, /user gave up/);
    assert.equal(calls.length, 1);
  });

  test("every wait is capped by maxRetryDelayMs: the backoff after a connection error or a 5xx, and Retry-After", async () => {
    const { clock, waits } = instantClock();
    const { calls, fetch } = scriptedFetch([
      connectionRefused(),
      json(503, { status: 503, code: "UNAVAILABLE", message: "busy" }, { "retry-after": "3600" }),
      json(500, { status: 500, code: "INTERNAL", message: "boom" }),
      connectionRefused(),
      json(200, SESSION),
    ]);
    const session = await client(fetch, {
      clock,
      random: () => 1,
      maxRetries: 4,
      maxRetryDelayMs: 700,
    }).sessions.get(SESSION.sessionId);
    assert.equal(session.id, SESSION.sessionId);
    assert.equal(calls.length, 5);
    // Backoff 500 ms, 1 s, 2 s, 4 s and Retry-After's hour, each cut to 700 ms.
    assert.deepEqual(waits, [500, 700, 700, 700]);
  });

  test("the jitter comes from `random`, and a Retry-After date counts from the clock's now", async () => {
    const { clock, waits } = instantClock(Date.parse("2026-06-01T12:00:00Z"));
    const { fetch } = scriptedFetch([
      connectionRefused(),
      json(
        503,
        { status: 503, code: "UNAVAILABLE", message: "busy" },
        { "retry-after": "Mon, 01 Jun 2026 12:00:05 GMT" },
      ),
      json(200, SESSION),
    ]);
    await client(fetch, { clock, random: () => 0 }).sessions.get(SESSION.sessionId);
    // 500 ms scaled by 50 %, then the date 5 s after the clock's noon (and 250 ms of waiting).
    assert.deepEqual(waits, [250, 4750]);
  });

  test("the caller's abort ends a wait at once, even on a clock whose sleep ignores the signal", async () => {
    const { fetch } = scriptedFetch([connectionRefused(), json(200, SESSION)]);
    const controller = new AbortController();
    let sleeping!: () => void;
    const asleep = new Promise<void>((resolve) => {
      sleeping = resolve;
    });
    const never: Clock = {
      now: () => Date.now(),
      sleep: () => {
        sleeping();
        return new Promise<void>(() => {});
      },
    };
    const pending = client(fetch, { clock: never }).sessions.get("x", { signal: controller.signal });
    await asleep;
    controller.abort(new Error("user gave up"));
    await assert.rejects(pending, /user gave up/);
  });

  test("Retry-After as seconds or date; backoff grows and is jittered", () => {
    assert.equal(retryAfterMs("3"), 3000);
    assert.equal(retryAfterMs(null), null);
    assert.ok((retryAfterMs(new Date(Date.now() + 5000).toUTCString()) ?? 0) > 3000);
    assert.equal(
      backoffMs(0, () => 0),
      250,
    );
    assert.equal(
      backoffMs(2, () => 1),
      2000,
    );
  });
});

describe("targets and authentication", () => {
  test("Network as Code: its base URL, x-rapidapi-key and x-rapidapi-host, the v0 body and Unix-second times", async () => {
    const { calls, fetch } = scriptedFetch([
      json(201, {
        ...SESSION,
        startedAt: 1_780_315_200,
        expiresAt: 1_780_318_800,
        webhook: { notificationUrl: "https://notify.me/here" },
      }),
    ]);
    const nac = new NetworkAsCodeClient({ token: "app-key", target: "nac", fetch });
    const session = await nac.devices.get({ phoneNumber: "36721601234567" }).createQodSession({
      profile: "QOS_L",
      serviceIpv4: "233.252.0.2",
      notificationUrl: "https://notify.me/here",
      notificationAuthToken: "Bearer t",
    });
    assert.equal(calls[0]?.url, `${NETWORK_AS_CODE.baseUrl}/sessions`);
    assert.equal(calls[0]?.headers["x-rapidapi-key"], "app-key");
    assert.equal(calls[0]?.headers["x-rapidapi-host"], NETWORK_AS_CODE.rapidApiHost);
    assert.equal(calls[0]?.headers.authorization, undefined);
    assert.deepEqual((calls[0]?.body as { webhook?: unknown } | undefined)?.webhook, {
      notificationUrl: "https://notify.me/here",
      notificationAuthToken: "Bearer t",
    });
    assert.equal(session.startedAt?.toISOString(), "2026-06-01T12:00:00.000Z");
    assert.equal(session.notificationUrl, "https://notify.me/here");
    await assert.rejects(nac.qosProfiles.list(), /qosProfilesUrl/);
  });

  test("CAMARA v1 body: sink and a bearer sinkCredential built from notificationAuthToken", async () => {
    const { calls, fetch } = scriptedFetch([json(201, SESSION)]);
    await client(fetch)
      .devices.get({ phoneNumber: "+36701234567" })
      .createQodSession({
        profile: "QOS_L",
        serviceIpv4: "233.252.0.2",
        duration: 60,
        notificationUrl: "https://n.example/q",
        notificationAuthToken: "Bearer tok",
        notificationAuthTokenExpiresAt: new Date("2030-01-01T00:00:00Z"),
      });
    assert.deepEqual(calls[0]?.body, {
      device: { phoneNumber: "+36701234567" },
      applicationServer: { ipv4Address: "233.252.0.2" },
      qosProfile: "QOS_L",
      duration: 60,
      sink: "https://n.example/q",
      sinkCredential: {
        credentialType: "ACCESSTOKEN",
        accessToken: "tok",
        accessTokenExpiresUtc: "2030-01-01T00:00:00.000Z",
        accessTokenType: "bearer",
      },
    });
    assert.equal(calls[0]?.url, "http://qod.test/quality-on-demand/v1/sessions");
  });

  test("OAuth2 client credentials: one token for many calls, a new one after a 401", async () => {
    const token = (value: string) =>
      json(200, { access_token: value, token_type: "Bearer", expires_in: 3600 });
    const { calls, fetch } = scriptedFetch([
      token("t1"),
      json(200, SESSION),
      json(200, SESSION),
      json(401, { status: 401, code: "UNAUTHENTICATED", message: "expired" }),
      token("t2"),
      json(200, SESSION),
    ]);
    const c = new NetworkAsCodeClient({
      target: "camara",
      baseUrl: "https://api.operator.example",
      oauth2: {
        tokenUrl: "https://auth.operator.example/token",
        clientId: "app",
        clientSecret: "s3cret",
        scope: "quality-on-demand:sessions:read",
      },
      fetch,
    });
    await c.sessions.get("a");
    await c.sessions.get("b");
    await c.sessions.get("c");
    assert.deepEqual(
      calls.map((x) => x.url.replace(/^https:\/\/[^/]+/, "")),
      [
        "/token",
        "/quality-on-demand/v1/sessions/a",
        "/quality-on-demand/v1/sessions/b",
        "/quality-on-demand/v1/sessions/c",
        "/token",
        "/quality-on-demand/v1/sessions/c",
      ],
    );
    assert.equal(calls[0]?.headers.authorization, `Basic ${Buffer.from("app:s3cret").toString("base64")}`);
    assert.equal(calls[1]?.headers.authorization, "Bearer t1");
    assert.equal(calls[5]?.headers.authorization, "Bearer t2");
  });
});
