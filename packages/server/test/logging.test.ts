import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.ts";
import { formatLogRecord } from "../src/log-format.ts";
import { createOpenQod } from "../src/openqod.ts";
import { databaseEnv, dropDatabase } from "./helpers/engine.ts";
import { bearer, sessionBody } from "./helpers/harness.ts";
import { freePort, runServerCommand, type ServerProcess, startServerProcess } from "./helpers/process.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const KEY = "logging-test-key-0123456789";
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
/** A pretty line: `HH:MM:SS.mmm LEVEL …`. */
const ESC = "\x1b[";
const PRETTY_LINE = /^\d{2}:\d{2}:\d{2}\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \S/;

interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** The JSON records in a server's output (the quickstart banner and other text are skipped). */
function records(output: string): LogRecord[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith('{"level"'))
    .map((line) => JSON.parse(line) as LogRecord);
}

const requestRecords = (output: string) => records(output).filter((r) => r.msg === "request completed");

/** Waits until `check` holds on the output, or fails after `timeoutMs`. */
async function until(output: () => string, check: (text: string) => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check(output())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting; output so far:\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function stop(server: ServerProcess): Promise<void> {
  server.child.kill("SIGTERM");
  await server.exited;
}

describe("logs", () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "openqod-logging-"));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await dropDatabase(dataDir);
  });
  // OPENQOD_LOG_LEVEL "" is unset: the default level, info.
  const env = (extra: Record<string, string> = {}) => ({
    OPENQOD_DATA_DIR: dataDir,
    OPENQOD_SANDBOX_KEY: KEY,
    OPENQOD_LOG_LEVEL: "",
    ...extra,
  });

  test("at the default level 100 successful requests print nothing and a 404 prints one JSON line", async () => {
    const server = await startServerProcess(env());
    try {
      await until(server.output, (text) => text.includes("OpenQoD sandbox is running."));
      const banner = server.output();
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${server.url}/qos-profiles/v1/qos-profiles/QOS_L`, {
          headers: { authorization: `Bearer ${KEY}` },
        });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
      // The 404 is logged after its answer is sent: once it is there, the 100 before it are too.
      const res = await fetch(`${server.url}/no-such-path?apiKey=secret-in-query`, {
        headers: { authorization: `Bearer ${KEY}` },
      });
      assert.equal(res.status, 404);
      await until(server.output, (text) => requestRecords(text).length > 0);
      await new Promise((r) => setTimeout(r, 200));
      const after = server.output().slice(banner.length);
      assert.equal(requestRecords(server.output()).length, 1, server.output());
      assert.equal(after.trim().split("\n").length, 1, `exactly one line after the banner:\n${after}`);
      const [line] = requestRecords(after);
      assert.equal(line?.level, 30);
      assert.equal(line?.method, "GET");
      assert.equal(line?.url, "/no-such-path", "the path only, never the query string");
      assert.equal(line?.status, 404);
      assert.equal(line?.code, "NOT_FOUND");
      assert.match(String(line?.reqId), /^req-/);
      assert.equal(typeof line?.ms, "number");
      assert.doesNotMatch(server.output(), /secret-in-query/);
      assert.doesNotMatch(after, new RegExp(KEY), "the API key is in the banner only");
    } finally {
      await stop(server);
    }
  });

  test("a wrong API key is one info line with UNAUTHENTICATED, without the key", async () => {
    const server = await startServerProcess(env({ OPENQOD_LOG_FORMAT: "json" }));
    try {
      const res = await fetch(`${server.url}/qos-profiles/v1/qos-profiles/QOS_L`, {
        headers: { authorization: "Bearer not-a-key-but-a-secret" },
      });
      assert.equal(res.status, 401);
      await until(server.output, (text) => requestRecords(text).length > 0);
      const [line, ...rest] = requestRecords(server.output());
      assert.deepEqual(rest, []);
      assert.equal(line?.level, 30);
      assert.equal(line?.status, 401);
      assert.equal(line?.code, "UNAUTHENTICATED");
      assert.doesNotMatch(server.output(), /not-a-key-but-a-secret/);
    } finally {
      await stop(server);
    }
  });

  test("at debug every request is one line", async () => {
    const server = await startServerProcess(env({ OPENQOD_LOG_LEVEL: "debug" }));
    try {
      for (let i = 0; i < 10; i++) await (await fetch(`${server.url}/health`)).arrayBuffer();
      await until(
        server.output,
        (text) => requestRecords(text).filter((r) => r.url === "/health").length >= 10,
      );
      await new Promise((r) => setTimeout(r, 200));
      const lines = requestRecords(server.output()).filter((r) => r.url === "/health");
      assert.equal(lines.length, 10);
      assert.ok(lines.every((r) => r.level === 20 && r.status === 200 && r.method === "GET"));
    } finally {
      await stop(server);
    }
  });

  test("--log-format pretty prints one readable line per record and no JSON", async () => {
    const server = await startServerProcess(env(), ["--log-format", "pretty"]);
    try {
      const res = await fetch(`${server.url}/no-such-path`);
      assert.equal(res.status, 404);
      await until(server.output, (text) => /\/no-such-path[^\n]*\n/.test(text));
      const output = server.output();
      assert.match(
        output,
        /^\d{2}:\d{2}:\d{2}\.\d{3} INFO {2}GET \/no-such-path 404 NOT_FOUND \d+(\.\d+)? ms reqId=req-\w+$/m,
      );
      assert.match(
        output,
        /^\d{2}:\d{2}:\d{2}\.\d{3} INFO {2}Server listening at http:\/\/127\.0\.0\.1:\d+$/m,
      );
      assert.doesNotMatch(output, /\{"level"/);
      assert.ok(!output.includes(ESC), "no color when stdout is not a terminal");
    } finally {
      await stop(server);
    }
  });

  test("on a terminal the format is pretty and colored by default; NO_COLOR turns the color off", async () => {
    for (const noColor of [false, true]) {
      const port = await freePort();
      const child = spawn(
        "script",
        // `exec`: the server is the terminal's process itself, so the test can stop it by its id.
        ["-q", "-f", "-e", "-c", `exec '${process.execPath}' --import tsx '${MAIN}'`, "/dev/null"],
        {
          env: {
            ...process.env,
            ...env({ OPENQOD_PORT: String(port), NO_COLOR: noColor ? "1" : "" }),
            ...(await databaseEnv(dataDir)),
          },
          // `script` reads its stdin for the terminal: keep it open.
          stdio: ["pipe", "pipe", "pipe"],
        },
      );
      let output = "";
      child.stdout.on("data", (d: Buffer) => {
        output += d.toString();
      });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      try {
        await until(
          () => output,
          (text) => text.includes("OpenQoD sandbox is running."),
          30_000,
        );
        await (await fetch(`http://127.0.0.1:${port}/no-such-path`)).arrayBuffer();
        await until(
          () => output,
          // A terminal's output comes in arbitrary chunks: wait for the whole line.
          (text) => /\/no-such-path[^\n]*\n/.test(text),
        );
        const lines = output.split(/\r?\n/);
        const line = lines.find((l) => l.includes("/no-such-path")) ?? "";
        assert.doesNotMatch(output, /\{"level"/);
        if (noColor) {
          assert.ok(!output.includes(ESC), output);
          assert.match(line, PRETTY_LINE);
        } else {
          assert.ok(
            line.includes(`${ESC}32mINFO ${ESC}0m GET /no-such-path ${ESC}33m404${ESC}0m NOT_FOUND`),
            line,
          );
        }
      } finally {
        // Stop the server, not just `script`: it would outlive it for a moment, holding the data folder.
        const pid = child.pid ?? 0;
        const server = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0];
        if (server) process.kill(Number(server), "SIGTERM");
        else child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
    }
  });

  test("an invalid OPENQOD_LOG_FORMAT stops the start with exit code 2, naming it", async () => {
    const { code, output } = await runServerCommand([], {
      OPENQOD_LOG_FORMAT: "xml",
      OPENQOD_DATA_DIR: join(tmpdir(), "never-created"),
    });
    assert.equal(code, 2);
    assert.match(output, /OPENQOD_LOG_FORMAT="xml" must be auto, pretty(,| or) json/);
    const flag = await runServerCommand(["--log-format", "yaml"], {
      OPENQOD_DATA_DIR: join(tmpdir(), "never-created"),
    });
    assert.equal(flag.code, 2);
    assert.match(flag.output, /--log-format="yaml" must be auto, pretty(,| or) json/);
  });

  test("a failing sink is one warn line per attempt, with no stack trace", async () => {
    const receiver = await TestReceiver.start();
    receiver.respond = () => ({ status: 500 });
    const server = await startServerProcess(
      env({ OPENQOD_RETRY_SCHEDULE: "0,100ms,100ms", OPENQOD_LOG_FORMAT: "json" }),
    );
    try {
      const res = await fetch(`${server.url}/quality-on-demand/v1/sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify(
          sessionBody({ sink: `${receiver.url}?token=query-secret`, sinkCredential: bearer("sink-secret") }),
        ),
      });
      assert.equal(res.status, 201);
      await receiver.waitFor(3);
      await until(server.output, (text) => text.includes("notification failed"));
      const attempts = records(server.output()).filter((r) => r.msg.startsWith("notification "));
      assert.deepEqual(
        attempts.map((r) => [r.level, r.msg, r.status]),
        [
          [40, "notification retry", 500],
          [40, "notification retry", 500],
          [40, "notification failed", 500],
        ],
      );
      assert.equal(attempts[0]?.sink, receiver.url);
      assert.doesNotMatch(server.output(), /\n\s+at /, "no stack trace");
      assert.doesNotMatch(server.output(), /query-secret|sink-secret/);
    } finally {
      await stop(server);
      await receiver.close();
    }
  });

  test("a sink paused by its circuit breaker is one warn line naming its origin, its resume one info line", async () => {
    const receiver = await TestReceiver.start();
    receiver.respond = () => ({ status: 500 });
    const server = await startServerProcess(
      env({
        OPENQOD_RETRY_SCHEDULE: "0,100ms,100ms",
        OPENQOD_SINK_BREAKER_FAILURES: "2",
        OPENQOD_SINK_PROBE_INTERVAL: "300ms",
        OPENQOD_LOG_FORMAT: "json",
      }),
    );
    try {
      const res = await fetch(`${server.url}/quality-on-demand/v1/sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify(
          sessionBody({
            // A device of its own: the data folder, and the sessions of earlier tests, are shared.
            device: { phoneNumber: "+36721601239999" },
            sink: receiver.url,
            sinkCredential: bearer("sink-secret"),
          }),
        ),
      });
      assert.equal(res.status, 201);
      await until(server.output, (text) => text.includes("sink paused"));
      receiver.respond = () => ({ status: 204 });
      // The running dispatcher wakes for the probe by itself; it gets through and resumes the sink.
      await until(server.output, (text) => text.includes("sink resumed"));
      const origin = `http://127.0.0.1:${receiver.port}`;
      const changes = records(server.output()).filter((r) => r.msg.startsWith("sink "));
      assert.deepEqual(
        changes.map((r) => [r.level, r.msg, r.origin, r.by]),
        [
          [40, "sink paused", origin, "breaker"],
          [30, "sink resumed", origin, "probe"],
        ],
      );
      assert.equal(changes[0]?.consecutiveFailures, 2);
    } finally {
      await stop(server);
      await receiver.close();
    }
  });

  test("a 5xx is one error line carrying the error; the error handler adds none", async () => {
    const lines: string[] = [];
    const dir = await mkdtemp(join(tmpdir(), "openqod-logging-5xx-"));
    const config = loadConfig([], { OPENQOD_DATA_DIR: dir, ...(await databaseEnv(dir)) });
    const openqod = await createOpenQod({
      config,
      logger: { level: "info", stream: { write: (line: string) => void lines.push(line) } },
    });
    try {
      openqod.app.get("/broken", async () => {
        throw new Error("the disk is on fire");
      });
      const res = await openqod.app.inject({ method: "GET", url: "/broken" });
      assert.equal(res.statusCode, 500);
      assert.equal(res.json().code, "INTERNAL");
      assert.equal(lines.length, 1, lines.join(""));
      const line = JSON.parse(lines[0] ?? "{}") as LogRecord & { err?: { message: string; stack: string } };
      assert.equal(line.level, 50);
      assert.equal(line.status, 500);
      assert.equal(line.code, "INTERNAL");
      assert.equal(line.err?.message, "the disk is on fire");
      assert.match(line.err?.stack ?? "", /logging\.test\.ts/, "JSON keeps the stack for whoever reads it");
    } finally {
      await openqod.close();
      await rm(dir, { recursive: true, force: true });
      await dropDatabase(dir);
    }
  });

  test("a pretty line: fields as key=value, an error as its message, never more than one line", () => {
    const time = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();
    assert.equal(
      formatLogRecord(
        {
          level: 40,
          time,
          service: "openqod",
          msg: "notification retry",
          sessionId: "s-1",
          sink: "http://127.0.0.1:8080/qod",
          status: null,
          error: "connect ECONNREFUSED 127.0.0.1:8080",
        },
        { color: false },
      ),
      '03:04:05.006 WARN  notification retry sessionId=s-1 sink=http://127.0.0.1:8080/qod error="connect ECONNREFUSED 127.0.0.1:8080"',
    );
    assert.equal(
      formatLogRecord(
        {
          level: 50,
          time,
          msg: "worker error",
          worker: "dispatcher",
          err: { type: "Error", message: "two\nlines", stack: "Error: two\nlines\n    at x (y.ts:1:1)" },
        },
        { color: true },
      ),
      '\x1b[2m03:04:05.006\x1b[0m \x1b[31mERROR\x1b[0m worker error worker=dispatcher err="two\\nlines"',
    );
  });
});
