import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import express from "express";
import Fastify from "fastify";
import {
  createReceiver,
  expressHandler,
  fastifyNotifications,
  nodeHttpHandler,
  type QodEvent,
  type Receiver,
  type Refusal,
} from "../src/index.ts";

const SESSION = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const TOKEN = "rx-token-0123";
const CE = "application/cloudevents+json";
const cloudEvent = (type: string, id = "83a0d986-0866-4f38-b8c0-fc65bfcda452") =>
  JSON.stringify({
    id,
    source: "https://api.example.com/qod/v1/sessions/x",
    type,
    specversion: "1.0",
    time: "2026-06-01T12:00:00Z",
    data: { sessionId: SESSION, qosStatus: "AVAILABLE" },
  });
const QOD = "org.camaraproject.quality-on-demand.v1.qos-status-changed";

type Started = { base: string; close(): Promise<void> };

async function listen(server: Server): Promise<Started> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const adapters: Record<string, (receiver: Receiver) => Promise<Started>> = {
  "node:http": (receiver) => listen(createServer(nodeHttpHandler(receiver, { path: "/qod" }))),
  Express: (receiver) => {
    const app = express();
    app.use(express.json());
    app.post("/qod", expressHandler(receiver));
    return listen(createServer(app));
  },
  Fastify: async (receiver) => {
    const app = Fastify();
    await app.register(fastifyNotifications, { receiver, path: "/qod" });
    await app.listen({ host: "127.0.0.1", port: 0 });
    return {
      base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      close: () => app.close(),
    };
  },
};

/** Waits (at most 2 s) until `list` has more than `count` entries: the hook runs after the answer. */
async function grown<T>(list: T[], count: number): Promise<T> {
  const deadline = Date.now() + 2_000;
  while (list.length <= count) {
    if (Date.now() > deadline) throw new Error(`no new entry after ${count}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return list[count] as T;
}

for (const [name, start] of Object.entries(adapters)) {
  describe(`onRefused through the ${name} adapter`, () => {
    const refusals: Refusal[] = [];
    const events: Array<{ event: QodEvent; body: string }> = [];
    let server: Started;
    before(async () => {
      server = await start(
        createReceiver({
          tokens: [TOKEN],
          onEvent: (event, request) => void events.push({ event, body: request.body.toString() }),
          onRefused: (r) => void refusals.push(r),
        }),
      );
    });
    after(() => server.close());

    /** Sends one request; returns the answer's status and the refusal it caused. */
    async function refusedBy(
      init: { headers?: Record<string, string>; body?: string; method?: string },
      path = "/qod",
    ): Promise<{ status: number; refusal: Refusal }> {
      const count = refusals.length;
      const res = await fetch(`${server.base}${path}`, { method: "POST", ...init });
      await res.arrayBuffer();
      return { status: res.status, refusal: await grown(refusals, count) };
    }

    test("a missing token is 401 missing-token, with the request's method, path and headers", async () => {
      const { status, refusal } = await refusedBy({
        headers: { "content-type": CE, "user-agent": "sender/1.0", "x-correlator": "corr-1" },
        body: cloudEvent(QOD),
      });
      assert.equal(status, 401);
      assert.deepEqual(refusal, {
        status: 401,
        reason: "missing-token",
        message: "no Authorization header",
        method: "POST",
        path: "/qod",
        headers: {
          "content-type": CE,
          "content-length": String(Buffer.byteLength(cloudEvent(QOD))),
          "user-agent": "sender/1.0",
          "x-correlator": "corr-1",
        },
      });
    });

    test("a wrong token is 401 wrong-token; the refusal shows its scheme and a mask, never the token", async () => {
      const { status, refusal } = await refusedBy(
        { headers: { authorization: "Bearer my-wrong-token", "content-type": CE }, body: cloudEvent(QOD) },
        "/qod?token=query-secret",
      );
      assert.equal(status, 401);
      assert.equal(refusal.reason, "wrong-token");
      assert.equal(refusal.message, "the bearer token matches none of the accepted tokens");
      assert.equal(refusal.headers.authorization, "Bearer my-w…(14 chars)");
      assert.equal(refusal.path, "/qod");
      const all = JSON.stringify(refusal);
      assert.equal(all.includes("my-wrong-token"), false);
      assert.equal(all.includes("query-secret"), false);
    });

    test("a body that is not JSON is 415 not-json", async () => {
      const { status, refusal } = await refusedBy({
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "text/plain" },
        body: "hello",
      });
      assert.equal(status, 415);
      assert.deepEqual(
        [refusal.status, refusal.reason, refusal.message],
        [415, "not-json", "content type text/plain is not JSON"],
      );
    });

    test("a JSON body that is not a notification is 400 malformed, saying what is missing", async () => {
      const { status, refusal } = await refusedBy({
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ hello: "world" }),
      });
      assert.equal(status, 400);
      assert.deepEqual(
        [refusal.status, refusal.reason, refusal.message],
        [400, "malformed", "not a QoD notification"],
      );
    });

    test("another event type is answered 204 and reported as unsupported-type", async () => {
      const { status, refusal } = await refusedBy({
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": CE },
        body: cloudEvent("org.camaraproject.device-status.v0.roaming-status"),
      });
      assert.equal(status, 204);
      assert.deepEqual(
        [refusal.status, refusal.reason, refusal.message],
        [
          204,
          "unsupported-type",
          "event type org.camaraproject.device-status.v0.roaming-status is not a QoD status change",
        ],
      );
    });

    test("an accepted event is not a refusal, and its handler gets the exact body bytes", async () => {
      const count = refusals.length;
      const received = events.length;
      const body = cloudEvent(QOD, `accepted-${name}`);
      const res = await fetch(`${server.base}/qod`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": CE },
        body,
      });
      assert.equal(res.status, 204);
      const { event, body: handed } = await grown(events, received);
      assert.equal(event.id, `accepted-${name}`);
      assert.equal(handed, body);
      assert.equal(refusals.length, count);
    });
  });
}

describe("refusals only the node:http adapter makes", () => {
  const refusals: Refusal[] = [];
  let server: Started;
  before(async () => {
    const receiver = createReceiver({
      tokens: [TOKEN],
      onEvent: () => {},
      onRefused: (r) => void refusals.push(r),
    });
    server = await listen(createServer(nodeHttpHandler(receiver, { path: "/qod" })));
  });
  after(() => server.close());

  test("another path is 404 unknown-path, naming the path served", async () => {
    const count = refusals.length;
    const res = await fetch(`${server.base}/x?a=1`, { method: "POST", body: "{}" });
    assert.equal(res.status, 404);
    const refusal = await grown(refusals, count);
    assert.deepEqual(
      [refusal.reason, refusal.method, refusal.path, refusal.message],
      ["unknown-path", "POST", "/x", "listening on /qod only"],
    );
  });

  test("another method is 405 method-not-allowed with Allow: POST", async () => {
    const count = refusals.length;
    const res = await fetch(`${server.base}/qod`, { method: "GET" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST");
    const refusal = await grown(refusals, count);
    assert.deepEqual(
      [refusal.status, refusal.reason, refusal.method, refusal.message],
      [405, "method-not-allowed", "GET", "GET is not allowed; notifications are POSTed"],
    );
  });

  test("a body over 64 KiB is 413 too-large", async () => {
    const count = refusals.length;
    const res = await fetch(`${server.base}/qod`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": CE },
      body: "x".repeat(70 * 1024),
    });
    assert.equal(res.status, 413);
    const refusal = await grown(refusals, count);
    assert.deepEqual(
      [refusal.status, refusal.reason, refusal.message],
      [413, "too-large", "the body is larger than 65536 bytes"],
    );
  });
});

describe("the Express adapter", () => {
  test("reports a body over 64 KiB as 413 too-large", async () => {
    const refusals: Refusal[] = [];
    const app = express();
    app.post(
      "/hooks/qod",
      expressHandler(
        createReceiver({ tokens: [TOKEN], onEvent: () => {}, onRefused: (r) => void refusals.push(r) }),
      ),
    );
    const server = await listen(createServer(app));
    try {
      const res = await fetch(`${server.base}/hooks/qod`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "x".repeat(70 * 1024),
      });
      assert.equal(res.status, 413);
      const refusal = await grown(refusals, 0);
      assert.deepEqual([refusal.reason, refusal.path], ["too-large", "/hooks/qod"]);
    } finally {
      await server.close();
    }
  });
});

describe("the authorization mask", () => {
  const cases: Array<[string, string, Refusal["reason"]]> = [
    ["Bearer my-token-123", "Bearer my-t…(12 chars)", "wrong-token"],
    ["bearer abcdef", "bearer ab…(6 chars)", "wrong-token"],
    ["Bearer ab", "Bearer …(2 chars)", "wrong-token"],
    ["Bearer", "Bearer (empty)", "wrong-token"],
    ["Basic dXNlcjpwYXNzd29yZA==", "Basic dXNl…(20 chars)", "wrong-token"],
    // No known scheme: the whole value is the secret, spaces included.
    ["secret with-space", "secr…(17 chars)", "wrong-token"],
    ["x", "…(1 char)", "wrong-token"],
    ["   ", "(empty)", "missing-token"],
  ];
  for (const [sent, shown, reason] of cases) {
    test(`shows ${JSON.stringify(sent)} as ${JSON.stringify(shown)}`, async () => {
      const refusals: Refusal[] = [];
      const receiver = createReceiver({
        tokens: ["right"],
        onEvent: () => {},
        onRefused: (r) => void refusals.push(r),
      });
      const verdict = await receiver.receive({ body: "{}", headers: { authorization: sent } });
      assert.equal(verdict.status, 401);
      await verdict.after();
      assert.equal(refusals[0]?.reason, reason);
      assert.equal(refusals[0]?.headers.authorization, shown);
    });
  }

  test("another scheme is a wrong token, said plainly", async () => {
    const refusals: Refusal[] = [];
    const receiver = createReceiver({
      tokens: ["right"],
      onEvent: () => {},
      onRefused: (r) => void refusals.push(r),
    });
    await (await receiver.receive({ body: "{}", headers: { authorization: "Basic cmlnaHQ=" } })).after();
    assert.equal(refusals[0]?.message, "the Authorization header is not a Bearer token");
  });
});

describe("a failing onRefused", () => {
  for (const [kind, hook] of [
    [
      "throwing",
      () => {
        throw new Error("log sink down");
      },
    ],
    ["rejecting", () => Promise.reject(new Error("log sink down"))],
  ] as const) {
    test(`a ${kind} hook changes no answer and is reported on stderr`, async () => {
      const written: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      const server = await listen(
        createServer(
          nodeHttpHandler(createReceiver({ tokens: [TOKEN], onEvent: () => {}, onRefused: hook }), {
            path: "/qod",
          }),
        ),
      );
      try {
        for (const [path, init, status] of [
          ["/qod", { method: "POST", body: "{}" }, 401],
          ["/elsewhere", { method: "POST", body: "{}" }, 404],
          ["/qod", { method: "PUT", body: "{}" }, 405],
          [
            "/qod",
            {
              method: "POST",
              headers: { authorization: `Bearer ${TOKEN}`, "content-type": CE },
              body: cloudEvent(QOD),
            },
            204,
          ],
        ] as const) {
          const res = await fetch(`${server.base}${path}`, init);
          assert.equal(res.status, status, `${init.method} ${path}`);
        }
        await grown(written, 2);
        assert.deepEqual(written, [
          "@openqod/receiver: onRefused failed: Error: log sink down\n",
          "@openqod/receiver: onRefused failed: Error: log sink down\n",
          "@openqod/receiver: onRefused failed: Error: log sink down\n",
        ]);
      } finally {
        process.stderr.write = write;
        await server.close();
      }
    });
  }
});
