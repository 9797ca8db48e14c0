import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { freePort } from "../../server/test/helpers/process.ts";
import { BIN, openqod } from "./run-cli.ts";

const TOKEN = "my-token-123";
const WRONG = "my-wrong-token-456";
const TIME = String.raw`\d\d:\d\d:\d\d`;

/** A CloudEvent as OpenQoD sends it, with spacing no serialiser would produce: forwarding must keep bytes. */
const notification = (id: string) =>
  `{ "id":"${id}", "source":"http://127.0.0.1:9091/quality-on-demand/v1/sessions/s-1",` +
  ` "type":"org.camaraproject.quality-on-demand.v1.qos-status-changed", "specversion":"1.0",` +
  ` "time":"2026-06-01T12:00:00Z", "data":{"sessionId":"s-1","qosStatus":"AVAILABLE"} }`;

interface Listener {
  port: number;
  child: ChildProcess;
  stdout(): string;
  /** Resolves with the first stdout line matching `pattern`, waiting at most 10 s. */
  line(pattern: RegExp): Promise<string>;
  stop(): Promise<void>;
}

async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Spawns `openqod listen --port <free> …args` and waits until it says it is listening (at most 20 s). */
async function listen(args: string[]): Promise<Listener> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, "listen", "--port", String(port), ...args], {
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await until(
    `openqod listen to start (stdout ${out}, stderr ${err})`,
    () => (`${out}${err}`.includes("listening on") ? true : undefined),
    20_000,
  );
  return {
    port,
    child,
    stdout: () => out,
    line: (pattern) =>
      until(`a line matching ${pattern} in:\n${out}`, () => out.split("\n").find((l) => pattern.test(l))),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

const post = (url: string, headers: Record<string, string>, body: string) =>
  fetch(url, { method: "POST", headers, body }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A local app on 127.0.0.1 that records what it is sent and answers with `answer(n)` (n from 0). */
async function app(answer: (n: number) => number | "hang"): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const n = received.length;
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const status = answer(n);
      if (status !== "hang") res.writeHead(status).end("app body");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("openqod listen: refused requests", () => {
  test("prints a wrong token as one line, masked, and never the token itself", async () => {
    const listener = await listen(["--token", TOKEN]);
    try {
      const url = `http://127.0.0.1:${listener.port}/qod`;
      const status = await post(
        url,
        { authorization: `Bearer ${WRONG}`, "content-type": "application/cloudevents+json" },
        notification("e-1"),
      );
      assert.equal(status, 401);
      const printed = await listener.line(/ 401 /);
      assert.match(
        printed,
        new RegExp(
          `^${TIME}  401 wrong-token  POST /qod  the bearer token matches none of the accepted tokens  authorization: Bearer my-w…\\(18 chars\\)$`,
        ),
      );
      assert.equal(listener.stdout().includes(WRONG), false);
      assert.equal(listener.stdout().includes(TOKEN), false);

      assert.equal(await post(url, { "content-type": "application/json" }, "{}"), 401);
      assert.match(
        await listener.line(/missing-token/),
        new RegExp(`^${TIME}  401 missing-token  POST /qod  no Authorization header$`),
      );
    } finally {
      await listener.stop();
    }
  });

  test("answers another path 404 and prints it with the path it listens on", async () => {
    const listener = await listen(["--token", TOKEN, "--path", "/qod"]);
    try {
      const status = await post(
        `http://127.0.0.1:${listener.port}/x?token=${TOKEN}`,
        { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        notification("e-2"),
      );
      assert.equal(status, 404);
      assert.match(
        await listener.line(/ 404 /),
        new RegExp(
          `^${TIME}  404 unknown-path  POST /x  listening on /qod only  authorization: Bearer my-t…\\(12 chars\\)$`,
        ),
      );
      assert.equal(listener.stdout().includes(TOKEN), false);
    } finally {
      await listener.stop();
    }
  });

  test("prints a body that is not a notification with what is wrong with it", async () => {
    const listener = await listen(["--token", TOKEN]);
    try {
      const url = `http://127.0.0.1:${listener.port}/qod`;
      assert.equal(
        await post(url, { authorization: `Bearer ${TOKEN}`, "content-type": "text/plain" }, "hi"),
        415,
      );
      assert.match(
        await listener.line(/ 415 /),
        new RegExp(
          `^${TIME}  415 not-json  POST /qod  content type text/plain is not JSON  authorization: Bearer my-t…\\(12 chars\\)$`,
        ),
      );
      assert.equal(
        await post(
          url,
          { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          '{"data":{}}',
        ),
        400,
      );
      assert.match(
        await listener.line(/ 400 /),
        new RegExp(`^${TIME}  400 malformed  POST /qod  not a QoD notification  `),
      );
    } finally {
      await listener.stop();
    }
  });

  test("with --json, a refusal is a JSON line with refused: true and the masked authorization", async () => {
    const listener = await listen(["--token", TOKEN, "--json"]);
    try {
      const status = await post(
        `http://127.0.0.1:${listener.port}/qod`,
        {
          authorization: `Bearer ${WRONG}`,
          "content-type": "application/cloudevents+json",
          "x-correlator": "corr-7",
          "user-agent": "openqod-dispatcher",
        },
        notification("e-3"),
      );
      assert.equal(status, 401);
      const refusal = JSON.parse(await listener.line(/"refused":true/)) as Record<string, unknown>;
      assert.equal(typeof refusal.time, "string");
      delete refusal.time;
      assert.deepEqual(refusal, {
        refused: true,
        status: 401,
        reason: "wrong-token",
        message: "the bearer token matches none of the accepted tokens",
        method: "POST",
        path: "/qod",
        headers: {
          "content-type": "application/cloudevents+json",
          "content-length": String(Buffer.byteLength(notification("e-3"))),
          "user-agent": "openqod-dispatcher",
          "x-correlator": "corr-7",
          authorization: "Bearer my-w…(18 chars)",
        },
      });
      assert.equal(listener.stdout().includes(WRONG), false);
    } finally {
      await listener.stop();
    }
  });
});

describe("openqod listen --forward-to", () => {
  test("forwards the exact body and the headers that matter, prints the app's answer; the sender gets 204 either way", async () => {
    const local = await app((n) => (n === 0 ? 200 : 503));
    const listener = await listen(["--token", TOKEN, "--forward-to", local.url]);
    try {
      const url = `http://127.0.0.1:${listener.port}/qod`;
      const headers = {
        authorization: `Bearer ${TOKEN}`,
        "content-type": "application/cloudevents+json; charset=utf-8",
        "x-correlator": "corr-9",
        "user-agent": "openqod-dispatcher",
        "x-not-forwarded": "1",
      };
      assert.equal(await post(url, headers, notification("fwd-1")), 204);
      const answered = await listener.line(/→.*\(fwd-1\)/);
      assert.match(answered, /^ {2}→ 200 OK \d+ ms {2}\(fwd-1\)$/);

      const [first] = local.received;
      assert.ok(first);
      assert.equal(first.method, "POST");
      assert.equal(first.url, "/webhook");
      assert.deepEqual(first.body, Buffer.from(notification("fwd-1")));
      assert.deepEqual(
        [
          first.headers["content-type"],
          first.headers.authorization,
          first.headers["x-correlator"],
          first.headers["user-agent"],
          first.headers["x-not-forwarded"],
        ],
        [headers["content-type"], `Bearer ${TOKEN}`, "corr-9", "openqod-dispatcher", undefined],
      );

      // The app fails: the sender is still answered 204 (the listener received it), the failure is printed.
      assert.equal(await post(url, headers, notification("fwd-2")), 204);
      assert.match(await listener.line(/\(fwd-2\)/), /^ {2}→ 503 Service Unavailable \d+ ms {2}\(fwd-2\)$/);
      // The event line comes first, then its forward.
      const lines = listener.stdout().trimEnd().split("\n");
      assert.deepEqual(
        lines.map((l) => (l.includes("→") ? "forward" : l.includes("AVAILABLE") ? "event" : "other")),
        ["other", "other", "event", "forward", "event", "forward"],
      );
    } finally {
      await listener.stop();
      await local.close();
    }
  });

  test("a closed port prints the connection error, and the sender still gets 204", async () => {
    const closed = await freePort();
    const listener = await listen(["--token", TOKEN, "--forward-to", `http://127.0.0.1:${closed}/hook`]);
    try {
      const status = await post(
        `http://127.0.0.1:${listener.port}/qod`,
        { authorization: `Bearer ${TOKEN}`, "content-type": "application/cloudevents+json" },
        notification("fwd-3"),
      );
      assert.equal(status, 204);
      assert.equal(await listener.line(/→/), `  → failed: connect ECONNREFUSED 127.0.0.1:${closed}  (fwd-3)`);
    } finally {
      await listener.stop();
    }
  });

  test("an app that does not answer within --forward-timeout is a failure, as a JSON line with --json", async () => {
    const local = await app(() => "hang");
    const listener = await listen([
      "--token",
      TOKEN,
      "--json",
      "--forward-to",
      local.url,
      "--forward-timeout",
      "1",
    ]);
    try {
      const started = Date.now();
      const status = await post(
        `http://127.0.0.1:${listener.port}/qod`,
        { authorization: `Bearer ${TOKEN}`, "content-type": "application/cloudevents+json" },
        notification("fwd-4"),
      );
      assert.equal(status, 204);
      assert.ok(Date.now() - started < 1_000, "the sender is answered before the app");
      const forwarded = JSON.parse(await listener.line(/"forwarded"/)) as Record<string, unknown>;
      assert.equal(typeof forwarded.ms, "number");
      assert.ok((forwarded.ms as number) >= 1_000);
      delete forwarded.ms;
      assert.deepEqual(forwarded, {
        forwarded: false,
        id: "fwd-4",
        sessionId: "s-1",
        url: local.url,
        error: "no answer within 1 s (--forward-timeout)",
      });
    } finally {
      await listener.stop();
      await local.close();
    }
  });

  test("refuses a --forward-to that is not an http(s) URL: usage error, exit 2", async () => {
    const result = await openqod(["listen", "--forward-to", "ftp://127.0.0.1/x"]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^error: option '--forward-to <url>' argument 'ftp:\/\/127\.0\.0\.1\/x' is invalid\. an http:\/\/ or https:\/\/ URL, e\.g\. http:\/\/127\.0\.0\.1:3000\/webhook\n/,
    );
  });
});

describe("openqod listen: an address it cannot bind", () => {
  test("a busy port is one line and exit 1, no stack trace", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const result = await openqod(["listen", "--port", String(port)]);
      assert.deepEqual(result, {
        code: 1,
        stdout: "",
        stderr: `error: port ${port} on 127.0.0.1 is already in use (EADDRINUSE); choose another with --port\n`,
      });
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  test("an address that is not this machine's is one line and exit 1", async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned, so binding fails without any traffic.
    const result = await openqod(["listen", "--host", "192.0.2.1", "--port", "8080"]);
    assert.deepEqual(result, {
      code: 1,
      stdout: "",
      stderr:
        "error: 192.0.2.1 is not an address of this machine (EADDRNOTAVAIL); choose another with --host\n",
    });
  });
});

describe("openqod listen --webhook-secret", () => {
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  /** Standard Webhooks headers for `body`, signed with `key` at `at` (Unix seconds). */
  const signed = (body: string, key = secret, at = Math.floor(Date.now() / 1000)) => {
    const id = "msg-1";
    const bytes = Buffer.from(key.slice("whsec_".length), "base64");
    const mac = createHmac("sha256", bytes).update(`${id}.${at}.${body}`).digest("base64");
    return {
      "content-type": "application/cloudevents+json",
      "webhook-id": id,
      "webhook-timestamp": String(at),
      "webhook-signature": `v1,${mac}`,
    };
  };

  test("takes a signed notification without a token, refuses 401 an unsigned, stale or wrongly signed one, and forwards the signature", async () => {
    const local = await app(() => 204);
    const listener = await listen(["--webhook-secret", secret, "--forward-to", local.url]);
    try {
      assert.match(await listener.line(/listening on/), /\(signature required\)$/);
      const url = `http://127.0.0.1:${listener.port}/qod`;
      const body = notification("e-signed");
      assert.equal(await post(url, signed(body), body), 204);
      await listener.line(/e-signed/);
      const unsigned = notification("e-unsigned");
      assert.equal(await post(url, { "content-type": "application/json" }, unsigned), 401);
      assert.match(
        await listener.line(/missing-signature/),
        new RegExp(
          `^${TIME}  401 missing-signature  POST /qod  webhook-id, webhook-timestamp and webhook-signature are all required$`,
        ),
      );
      const stale = notification("e-stale");
      assert.equal(await post(url, signed(stale, secret, Math.floor(Date.now() / 1000) - 600), stale), 401);
      await listener.line(/stale-timestamp/);
      const other = notification("e-other");
      assert.equal(await post(url, signed(other, `whsec_${randomBytes(32).toString("base64")}`), other), 401);
      await listener.line(/bad-signature/);
      await until("the forward", () => (local.received.length > 0 ? true : undefined));
      assert.equal(local.received.length, 1);
      const [forwarded] = local.received;
      assert.equal(forwarded?.body.toString(), body);
      assert.equal(
        forwarded?.headers["webhook-signature"],
        signed(body, secret, Number(forwarded?.headers["webhook-timestamp"]))["webhook-signature"],
      );
    } finally {
      await listener.stop();
      await local.close();
    }
  });

  test("a secret that is not base64 exits 2 before listening", async () => {
    const run = await openqod([
      "listen",
      "--port",
      String(await freePort()),
      "--webhook-secret",
      "not base64!",
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--webhook-secret: expected whsec_ and base64/);
  });
});
