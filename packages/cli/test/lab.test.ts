import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { buildLab, teardownLab } from "../../server/src/lab/index.ts";
import { labSkip } from "../../server/test/helpers/lab-skip.ts";
import { freePort } from "../../server/test/helpers/process.ts";
import { BIN, openqod, startUntil } from "./run-cli.ts";

/** Unique to this run; only these prefixes are ever torn down. */
const PREFIX = `oqc${process.pid}`;
const ROLES = ["device", "router", "server"] as const;

const namespaces = () =>
  new Set(
    (spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "")
      .split("\n")
      .map((l) => l.split(" ")[0]),
  );
const labPresent = (prefix: string) => ROLES.filter((role) => namespaces().has(`${prefix}-${role}`));
/** The router's htb classes on down0 (`tc -j` prints no JSON for classes). */
const classesOn = (prefix: string) =>
  spawnSync("tc", ["-n", `${prefix}-router`, "class", "show", "dev", "down0"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((l) => l.startsWith("class htb"));

/** Polls `check` every 100 ms until it holds, for at most `ms`. */
async function eventually(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `openqod lab …` in the background, until it prints its banner (at most 60 s, then SIGKILLed). */
const startLab = (args: string[]) => startUntil(["lab", ...args], /Ctrl-C stops OpenQoD/, 60_000);

describe("openqod lab (no root needed)", () => {
  test("--help lists its options and `down`", async () => {
    const ran = await openqod(["lab", "--help"]);
    assert.equal(ran.code, 0);
    for (const option of ["--rate <rate>", "--port <port>", "--prefix <prefix>", "--data-dir <dir>"]) {
      assert.ok(ran.stdout.includes(option), `${option} missing from:\n${ran.stdout}`);
    }
    assert.match(ran.stdout, /^ {2}down \[options\] +remove a lab left behind$/m);
    assert.match(ran.stdout, /default:\s+"100mbit"/);
  });

  test("refuses a prefix that is no namespace name, as a usage error", async () => {
    const ran = await openqod(["lab", "down", "--prefix", "../x"]);
    assert.equal(ran.code, 2);
    assert.match(ran.stderr, /^error: --prefix: lab prefix "\.\.\/x": use 1 to 32 letters/);
  });

  // As root, the test runs the CLI as `nobody` (uid 65534) to see what a user without root sees.
  const asRoot = process.geteuid?.() === 0;
  const nobody = spawnSync("id", ["-u", "nobody"], { encoding: "utf8" }).stdout.trim() === "65534";
  test("without root: says to use sudo, exit 2, and builds nothing", {
    skip: asRoot && !nobody ? "root, and no `nobody` user to run the CLI as" : false,
  }, async () => {
    const ran = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, "lab", "--prefix", PREFIX], {
        env: { ...process.env, NO_COLOR: "1", HOME: "/tmp" },
        stdio: ["ignore", "ignore", "pipe"],
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
    assert.equal(
      ran.stderr,
      "error: the lab needs root (it creates network namespaces and shapes them with tc): run it with sudo, e.g. `sudo npx openqod lab`\n",
    );
    assert.equal(ran.code, 2);
    assert.deepEqual(labPresent(PREFIX), []);
  });
});

describe("openqod lab (root)", { skip: labSkip() }, () => {
  after(async () => {
    await teardownLab(PREFIX);
  });

  test("`lab down` removes a lab left behind, names what still runs inside, then says there is none", async () => {
    await buildLab(PREFIX);
    // A process of this test inside the device namespace, as a user's iperf3 server would be.
    const sleeper = spawn("ip", ["netns", "exec", `${PREFIX}-device`, "sleep", "30"], { stdio: "ignore" });
    try {
      await eventually(
        "sleep runs in the lab",
        () =>
          spawnSync("ip", ["netns", "pids", `${PREFIX}-device`], { encoding: "utf8" }).stdout.trim() !== "",
        5000,
      );
      const ran = await openqod(["lab", "down", "--prefix", PREFIX]);
      assert.equal(ran.code, 0, ran.stderr);
      assert.equal(
        ran.stdout,
        `removed ${PREFIX}-device, ${PREFIX}-router, ${PREFIX}-server\n` +
          `still running, now without a network: sleep (pid ${sleeper.pid}, was in ${PREFIX}-device)\n`,
      );
      assert.deepEqual(labPresent(PREFIX), []);
      assert.equal(sleeper.exitCode, null, "the user's process is not the lab's to stop");
    } finally {
      sleeper.kill("SIGKILL");
    }
    const again = await openqod(["lab", "down", "--prefix", PREFIX]);
    assert.equal(again.code, 0);
    assert.equal(
      again.stdout,
      `no lab "${PREFIX}" here: no namespace ${PREFIX}-device, ${PREFIX}-router or ${PREFIX}-server\n`,
    );
  });

  test("serves the sandbox shaping the lab's router, refuses a second lab of its prefix; a session gets its class; Ctrl-C removes it all, exit 0", async () => {
    const port = await freePort();
    const lab = await startLab(["--prefix", PREFIX, "--port", String(port), "--rate", "100mbit"]);
    try {
      const out = lab.output();
      assert.match(
        out,
        new RegExp(`device {2}${PREFIX}-device {2}dev0 {2}198\\.18\\.1\\.2 {2}2001:2:0:1::2`),
      );
      assert.match(out, new RegExp(`sudo ip netns exec ${PREFIX}-device iperf3 -s -p 5202`));
      assert.match(
        out,
        new RegExp(`sudo ip netns exec ${PREFIX}-server iperf3 -c 198\\.18\\.1\\.2 -p 5202 -t 10`),
      );
      assert.deepEqual(labPresent(PREFIX), ["device", "router", "server"]);
      // A second lab of the same prefix, and `lab down`, leave the running one alone.
      const inUse = `error: the lab "${PREFIX}" is in use by process ${lab.child.pid}: stop that one (Ctrl-C), or choose another --prefix\n`;
      const second = await openqod(["lab", "--prefix", PREFIX, "--port", String(await freePort())]);
      assert.deepEqual([second.code, second.stderr], [1, inUse]);
      const down = await openqod(["lab", "down", "--prefix", PREFIX]);
      assert.deepEqual([down.code, down.stderr], [1, inUse]);
      assert.deepEqual(labPresent(PREFIX), ["device", "router", "server"]);
      const key = /API key: +(\S+)/.exec(out)?.[1] ?? "";
      const data = /Data: +(\S+)/.exec(out)?.[1] ?? "";
      assert.ok(existsSync(data), "a temporary data folder");
      // The session exactly as the banner's curl sends it.
      const body = /-d '(\{.*\})'/.exec(out)?.[1] ?? "";
      const before = classesOn(PREFIX).length;
      const created = await fetch(`http://127.0.0.1:${port}/quality-on-demand/v1/sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body,
      });
      assert.equal(created.status, 201, await created.clone().text());
      assert.equal(((await created.json()) as { qosStatus: string }).qosStatus, "AVAILABLE");
      assert.equal(classesOn(PREFIX).length, before + 1, "the session's class on the router's down0");
      lab.child.kill("SIGINT");
      assert.equal(await lab.exited, 0, lab.output());
      assert.match(
        lab.output(),
        new RegExp(`removed ${PREFIX}-device, ${PREFIX}-router, ${PREFIX}-server\\n$`),
      );
      assert.deepEqual(labPresent(PREFIX), []);
      assert.ok(!existsSync(data), "the temporary data folder is removed");
    } finally {
      lab.child.kill("SIGKILL");
    }
  });

  test("SIGTERM stops it as Ctrl-C does; a --data-dir given is kept", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "openqod-lab-test-"));
    try {
      const lab = await startLab([
        "--prefix",
        PREFIX,
        "--port",
        String(await freePort()),
        "--data-dir",
        dataDir,
      ]);
      assert.match(lab.output(), new RegExp(`Data: +${dataDir}\\n`));
      lab.child.kill("SIGTERM");
      assert.equal(await lab.exited, 0, lab.output());
      assert.deepEqual(labPresent(PREFIX), []);
      assert.ok(existsSync(join(dataDir, "sandbox-key")), "the data folder and its sandbox key are kept");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test("after a kill -9 of `openqod lab`, its reaper removes the lab within seconds", async () => {
    const lab = await startLab(["--prefix", PREFIX, "--port", String(await freePort())]);
    assert.deepEqual(labPresent(PREFIX), ["device", "router", "server"]);
    lab.child.kill("SIGKILL");
    await lab.exited;
    await eventually("the lab is removed", () => labPresent(PREFIX).length === 0, 5000);
    await eventually("its claim is removed", () => !existsSync(`/run/openqod-lab-${PREFIX}.pid`), 2000);
  });

  test("a server that cannot start (its port is taken) leaves no namespace behind, exit 1", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const address = taken.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const ran = await openqod(["lab", "--prefix", PREFIX, "--port", String(port)]);
      assert.equal(ran.code, 1, ran.stderr);
      assert.match(
        ran.stderr,
        new RegExp(`error: port ${port} on 127\\.0\\.0\\.1 is in use: choose another with --port`),
      );
      assert.deepEqual(labPresent(PREFIX), []);
    } finally {
      taken.close();
    }
  });

  test("an invalid rate is a usage error, before anything is built", async () => {
    const ran = await openqod(["lab", "--prefix", PREFIX, "--rate", "fast"]);
    assert.equal(ran.code, 2);
    assert.match(ran.stderr, /^error: invalid configuration:\n {2}- .*tc-link-rate|TC_LINK_RATE/m);
    assert.deepEqual(labPresent(PREFIX), []);
  });
});
