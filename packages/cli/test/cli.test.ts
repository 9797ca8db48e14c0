import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort, type ServerProcess, startServerProcess } from "../../server/test/helpers/process.ts";
import { BIN, openqod } from "./run-cli.ts";

const KEY = "cli-test-key-0123456789";

describe("openqod CLI", () => {
  let dataDir: string;
  let server: ServerProcess;
  let env: Record<string, string>;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "openqod-cli-"));
    server = await startServerProcess({ OPENQOD_DATA_DIR: dataDir, OPENQOD_SANDBOX_KEY: KEY });
    env = { OPENQOD_URL: server.url, OPENQOD_TOKEN: KEY };
  });
  after(async () => {
    server.child.kill("SIGTERM");
    await server.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  test("--help on every command, exit 0", async () => {
    for (const args of [
      [],
      ["serve"],
      ["listen"],
      ["sessions"],
      ["sessions", "create"],
      ["sessions", "get"],
      ["sessions", "list"],
      ["sessions", "extend"],
      ["sessions", "delete"],
      ["profiles"],
      ["profiles", "list"],
      ["profiles", "get"],
      ["demo"],
      ["notifications"],
      ["notifications", "list"],
      ["notifications", "redeliver"],
      ["sandbox"],
      ["sandbox", "terminate"],
      ["sandbox", "event"],
      ["sandbox", "lose"],
      ["sandbox", "expire"],
      ["clients"],
      ["clients", "create"],
      ["clients", "list"],
      ["clients", "rotate"],
      ["clients", "update"],
      ["clients", "revoke"],
      ["clients", "webhook-secret"],
      ["webhook-secrets"],
      ["webhook-secrets", "get"],
      ["webhook-secrets", "rotate"],
      ["webhook-secrets", "delete"],
      ["keys"],
      ["keys", "rotate"],
      ["keys", "list"],
      ["deliveries"],
      ["deliveries", "list"],
      ["deliveries", "redeliver"],
      ["nef-emulator"],
    ]) {
      const run = await openqod([...args, "--help"]);
      assert.equal(run.code, 0, args.join(" "));
      assert.match(
        run.stdout,
        new RegExp(`Usage: openqod${args.length ? ` ${args.join(" ")}` : ""}`),
        args.join(" "),
      );
    }
  });

  test("usage errors exit 2", async () => {
    assert.equal((await openqod(["frobnicate"])).code, 2);
    assert.equal(
      (await openqod(["sessions", "create", "--phone", "+36701234567"], env)).code,
      2,
      "--profile is required",
    );
    assert.equal((await openqod(["listen", "--port", "http"])).code, 2);
    const local = await openqod(
      ["sessions", "create", "--profile", "QOS_L", "--service-ipv4", "233.252.0.2"],
      env,
    );
    assert.equal(local.code, 2, "no device identifier: caught before any request");
    assert.equal(
      local.stderr.trim(),
      "error: give the device with --phone, --ipv4 (with --ipv4-private or --ipv4-port), --ipv6 or --nai",
    );
  });

  test("sessions create, get, list, extend, delete; an API error is one line and exit 1", async () => {
    const created = await openqod(
      [
        "sessions",
        "create",
        "--json",
        "--phone",
        "36700000123",
        "--profile",
        "QOS_M",
        "--service-ipv4",
        "233.252.0.2",
        "--duration",
        "600",
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const session = JSON.parse(created.stdout) as { id: string; status: string; duration: number };
    assert.equal(session.status, "AVAILABLE");
    assert.equal(session.duration, 600);

    const got = await openqod(["sessions", "get", session.id], env);
    assert.match(got.stdout, new RegExp(`^${session.id}  AVAILABLE  QOS_M  600s  until `));
    const listed = await openqod(["sessions", "list", "--phone", "+36700000123", "--json"], env);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as Array<{ id: string }>).map((s) => s.id),
      [session.id],
    );
    const extended = await openqod(["sessions", "extend", session.id, "60", "--json"], env);
    assert.equal((JSON.parse(extended.stdout) as { duration: number }).duration, 660);
    assert.equal(
      (await openqod(["sessions", "delete", session.id], env)).stdout.trim(),
      `deleted ${session.id}`,
    );

    const gone = await openqod(["sessions", "get", session.id], env);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr.trim().split("\n").length, 1);
    assert.match(gone.stderr, /^error: NOT_FOUND /);
    const unauthorized = await openqod(["sessions", "get", session.id], {
      ...env,
      OPENQOD_TOKEN: "wrong-key-000000",
    });
    assert.match(unauthorized.stderr, /^error: UNAUTHENTICATED /);
    assert.equal(unauthorized.code, 1);
  });

  test("the Network-as-Code dialect from the CLI", async () => {
    const created = await openqod(
      [
        "sessions",
        "create",
        "--dialect",
        "v0",
        "--json",
        "--phone",
        "+36700000124",
        "--profile",
        "QOS_S",
        "--service-ipv4",
        "233.252.0.2",
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal((JSON.parse(created.stdout) as { duration: number }).duration, 86_400);
  });

  test("profiles list and get", async () => {
    const list = await openqod(["profiles", "list"], env);
    assert.deepEqual(
      list.stdout
        .trim()
        .split("\n")
        .map((l) => l.split("  ")[0]),
      ["QOS_E", "QOS_S", "QOS_M", "QOS_L"],
    );
    const one = await openqod(["profiles", "get", "QOS_E"], env);
    assert.equal((JSON.parse(one.stdout) as { name: string }).name, "QOS_E");
  });

  test("listen prints each notification (JSON lines) and refuses a wrong token", async () => {
    const port = await freePort();
    const listener: ChildProcess = spawn(
      process.execPath,
      [BIN, "listen", "--port", String(port), "--token", "my-token", "--json"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    listener.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    let err = "";
    listener.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    try {
      const deadline = Date.now() + 20_000;
      while (!err.includes("listening")) {
        if (Date.now() > deadline) throw new Error(`listen did not start: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const wrong = await fetch(`http://127.0.0.1:${port}/qod`, {
        method: "POST",
        headers: { authorization: "Bearer nope", "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(wrong.status, 401);
      const created = await openqod(
        [
          "sessions",
          "create",
          "--json",
          "--phone",
          "+36700000125",
          "--profile",
          "QOS_E",
          "--service-ipv4",
          "233.252.0.2",
          "--notification-url",
          `http://127.0.0.1:${port}/qod`,
          "--notification-token",
          "my-token",
        ],
        env,
      );
      const id = (JSON.parse(created.stdout) as { id: string }).id;
      while (!out.includes(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const lines = out
        .trim()
        .split("\n")
        .map(
          (l) =>
            JSON.parse(l) as {
              refused?: boolean;
              status?: number;
              sessionId?: string;
              qosStatus?: string;
              format?: string;
            },
        );
      assert.deepEqual(
        lines.filter((l) => l.refused).map((l) => l.status),
        [401],
        "the refused request is a JSON line too",
      );
      const event = lines.find((l) => l.sessionId === id);
      assert.deepEqual([event?.qosStatus, event?.format], ["AVAILABLE", "cloudevent"]);
    } finally {
      listener.kill("SIGTERM");
    }
  });

  test("demo runs the seed's whole flow and exits 0", async () => {
    const run = await openqod(["demo"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /notification .* AVAILABLE/);
    assert.match(run.stdout, /notification .* UNAVAILABLE DELETE_REQUESTED/);
    assert.match(run.stdout, /4200s/);
    assert.match(run.stdout, /done: 2 notifications received/);
  });

  test("serve starts the server; an invalid flag stops it with exit 2", async () => {
    const bad = await openqod(["serve", "--port", "abc"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--port="abc" must be a whole number/);
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), "openqod-cli-serve-"));
    const child = spawn(
      process.execPath,
      [BIN, "serve", "--port", String(port), "--data-dir", dir, "--log-level", "warn"],
      { stdio: "ignore" },
    );
    try {
      const deadline = Date.now() + 30_000;
      while (
        !(await fetch(`http://127.0.0.1:${port}/ready`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error("serve did not become ready");
        await new Promise((r) => setTimeout(r, 100));
      }
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
