import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { mustRun } from "../src/lab/exec.ts";
import {
  buildLab,
  claimLab,
  LabCommandError,
  LabInUseError,
  type LabReaper,
  type LabTopology,
  labOwner,
  labSupport,
  startLabReaper,
  teardownLab,
} from "../src/lab/index.ts";
import { labSkip } from "./helpers/lab-skip.ts";

/** Unique to this run, so that parallel runs never collide; only these prefixes are ever torn down. */
const PREFIX = `oqt${process.pid}`;
const CHILD_PREFIX = `oqt${process.pid}c`;
const BUILDER = fileURLToPath(new URL("./fixtures/lab-builder.ts", import.meta.url));

const ip = (args: string[]) => spawnSync("ip", args, { encoding: "utf8" });
const namespaces = () =>
  new Set((ip(["netns", "list"]).stdout ?? "").split("\n").map((l) => l.split(" ")[0]));
const ping = (netns: string, address: string) =>
  spawnSync("ip", ["netns", "exec", netns, "ping", "-c1", "-W1", address], {
    encoding: "utf8",
    timeout: 5000,
  });

/** The addresses of `iface` in `netns`, as `address/prefixlen`. */
function addressesOf(netns: string, iface: string): string[] {
  const out = ip(["-j", "-n", netns, "address", "show", "dev", iface]).stdout;
  const links = JSON.parse(out) as { addr_info: { local: string; prefixlen: number; scope: string }[] }[];
  return links.flatMap((l) =>
    l.addr_info.filter((a) => a.scope === "global").map((a) => `${a.local}/${a.prefixlen}`),
  );
}

/** Polls `check` every 100 ms until it holds, for at most `ms`. */
async function eventually(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the builder fixture until it says "ready"; the child is SIGKILLed if it is not ready in 20 s. */
function startBuilder(mode: "wait" | "exit" | "stop") {
  const child = spawn(process.execPath, ["--import", "tsx", BUILDER, CHILD_PREFIX, mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the builder was not ready in 20 s: ${stderr}`));
    }, 20_000);
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the builder ended before it was ready: ${stderr}`));
    });
  });
  return { child, ready, exited };
}

describe("labSupport", () => {
  const answers = (isRoot: boolean, failing: Record<string, string> = {}) => {
    const calls: string[] = [];
    return {
      calls,
      checks: {
        isRoot: () => isRoot,
        run: (file: string, args: readonly string[]) => {
          const line = [file, ...args].join(" ");
          calls.push(line);
          return Object.entries(failing).find(([start]) => line.startsWith(start))?.[1] ?? null;
        },
      },
    };
  };

  test("refuses without root, saying to use sudo", () => {
    assert.equal(
      labSupport(answers(false).checks),
      "the lab needs root (it creates network namespaces and shapes them with tc): run it with sudo, e.g. `sudo npx openqod lab`",
    );
  });

  test("names a missing tc", () => {
    assert.equal(
      labSupport(answers(true, { "tc -V": "not found" }).checks),
      "`tc` cannot run (not found): install iproute2",
    );
  });

  test("names a missing ethtool (the lab turns the veths' offloads off)", () => {
    assert.equal(
      labSupport(answers(true, { "ethtool --version": "not found" }).checks),
      "`ethtool` cannot run (not found): install ethtool",
    );
  });

  test("says when a namespace cannot be made (a container without the rights), and why", () => {
    assert.equal(
      labSupport(
        answers(true, { "ip netns add": "mount --make-shared /run/netns failed: Operation not permitted" })
          .checks,
      ),
      "cannot create a network namespace (`ip netns add`: mount --make-shared /run/netns failed: Operation not permitted)",
    );
  });

  test("says when the namespace it tried cannot be removed", () => {
    assert.equal(
      labSupport(answers(true, { "ip netns delete": "Device or resource busy" }).checks),
      `cannot delete the network namespace oqprobe-${process.pid} it just made (Device or resource busy)`,
    );
  });

  test("is usable when all holds, and removes the namespace it tried", () => {
    const { checks, calls } = answers(true);
    assert.equal(labSupport(checks), null);
    assert.deepEqual(calls.slice(-2), [
      `ip netns add oqprobe-${process.pid}`,
      `ip netns delete oqprobe-${process.pid}`,
    ]);
  });
});

describe("a lab's claim", {
  skip: process.geteuid?.() === 0 ? false : "its file is under /run, root's",
}, () => {
  const prefix = `oqt${process.pid}claim`;
  const file = `/run/openqod-lab-${prefix}.pid`;
  after(() => rmSync(file, { force: true }));

  test("is held by one live process: a second claim is refused, naming it, until released", () => {
    const claim = claimLab(prefix);
    assert.equal(labOwner(prefix), process.pid);
    assert.throws(
      () => claimLab(prefix),
      (error: unknown) =>
        error instanceof LabInUseError &&
        error.pid === process.pid &&
        error.message ===
          `the lab "${prefix}" is in use by process ${process.pid}: stop that one (Ctrl-C), or choose another --prefix`,
    );
    claim.release();
    assert.equal(labOwner(prefix), null);
    assert.ok(!existsSync(file));
  });

  test("of a process that died is taken over", () => {
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    writeFileSync(file, `${dead.stdout}\n`);
    assert.equal(labOwner(prefix), null);
    const claim = claimLab(prefix);
    assert.equal(readFileSync(file, "utf8"), `${process.pid}\n`);
    claim.release();
  });
});

describe("the lab network", { skip: labSkip(["ping"]) }, () => {
  let lab: LabTopology;
  let reaper: LabReaper | undefined;

  before(async () => {
    // Removes the lab if this test process is killed (a runner's timeout): the next run's prefix differs.
    reaper = startLabReaper(PREFIX);
    lab = await buildLab(PREFIX);
  });

  after(async () => {
    await teardownLab(PREFIX);
    await teardownLab(CHILD_PREFIX);
    reaper?.stop();
  });

  test("the device pings the server through the router, over IPv4 and IPv6", () => {
    for (const address of ["198.18.2.2", "2001:2:0:2::2"]) {
      const result = ping(lab.device.netns, address);
      assert.equal(result.status, 0, `ping ${address}: ${result.stdout}${result.stderr}`);
      assert.match(result.stdout, /1 received/);
    }
    assert.equal(ping(lab.server.netns, "2001:2:0:1::2").status, 0, "and back, server to device");
  });

  test("has the contract's names and addresses, and nothing of it is in the host's namespace", () => {
    assert.deepEqual(lab, {
      prefix: PREFIX,
      device: { netns: `${PREFIX}-device`, iface: "dev0", ipv4: "198.18.1.2", ipv6: "2001:2:0:1::2" },
      router: { netns: `${PREFIX}-router`, downlink: "down0", uplink: "up0" },
      server: { netns: `${PREFIX}-server`, iface: "srv0", ipv4: "198.18.2.2", ipv6: "2001:2:0:2::2" },
    });
    assert.deepEqual(addressesOf(lab.device.netns, "dev0"), ["198.18.1.2/24", "2001:2:0:1::2/64"]);
    assert.deepEqual(addressesOf(lab.router.netns, "down0"), ["198.18.1.1/24", "2001:2:0:1::1/64"]);
    assert.deepEqual(addressesOf(lab.router.netns, "up0"), ["198.18.2.1/24", "2001:2:0:2::1/64"]);
    assert.deepEqual(addressesOf(lab.server.netns, "srv0"), ["198.18.2.2/24", "2001:2:0:2::2/64"]);
    const hostLinks = (JSON.parse(ip(["-j", "link", "show"]).stdout) as { ifname: string }[]).map(
      (l) => l.ifname,
    );
    for (const name of ["dev0", "down0", "up0", "srv0"])
      assert.ok(!hostLinks.includes(name), `${name} in the host`);
  });

  test("its veths act like wires: no segmentation offloads, a queue of 100 packets", () => {
    for (const [netns, iface] of [
      [lab.device.netns, "dev0"],
      [lab.router.netns, "down0"],
      [lab.router.netns, "up0"],
      [lab.server.netns, "srv0"],
    ] as const) {
      const features = spawnSync("ip", ["netns", "exec", netns, "ethtool", "-k", iface], {
        encoding: "utf8",
      }).stdout;
      for (const feature of [
        "tcp-segmentation-offload",
        "generic-segmentation-offload",
        "generic-receive-offload",
      ]) {
        assert.match(features, new RegExp(`^${feature}: off`, "m"), `${iface} ${feature}`);
      }
      const [link] = JSON.parse(ip(["-j", "-n", netns, "link", "show", "dev", iface]).stdout) as {
        txqlen: number;
      }[];
      assert.equal(link?.txqlen, 100, `${iface} txqueuelen`);
    }
  });

  test("has no way out: the router knows no route beyond the lab, the server reaches none of the host's addresses", () => {
    const route = ip(["-n", lab.router.netns, "route", "get", "192.0.2.1"]);
    assert.notEqual(route.status, 0);
    assert.match(route.stderr, /unreachable/i);
    const hostAddresses = (
      JSON.parse(ip(["-j", "-4", "address", "show", "scope", "global"]).stdout) as {
        addr_info: { local: string }[];
      }[]
    ).flatMap((l) => l.addr_info.map((a) => a.local));
    for (const address of [...hostAddresses, "192.0.2.1"]) {
      assert.notEqual(ping(lab.server.netns, address).status, 0, `the server reached the host's ${address}`);
    }
  });

  test("a second build over the leftovers of the first succeeds and works", async () => {
    const again = await buildLab(PREFIX);
    assert.equal(ping(again.device.netns, "198.18.2.2").status, 0);
    assert.equal(ping(again.device.netns, "2001:2:0:2::2").status, 0);
  });

  test("teardown removes all three namespaces; a second finds nothing to remove", async () => {
    await buildLab(PREFIX);
    assert.deepEqual(await teardownLab(PREFIX), [`${PREFIX}-device`, `${PREFIX}-router`, `${PREFIX}-server`]);
    const left = namespaces();
    for (const role of ["device", "router", "server"]) assert.ok(!left.has(`${PREFIX}-${role}`), role);
    assert.deepEqual(await teardownLab(PREFIX), []);
  });

  test("a failed command is named with its stderr", async () => {
    await assert.rejects(mustRun("ip", ["-n", `${PREFIX}-nowhere`, "link", "show"]), (error: unknown) => {
      assert.ok(error instanceof LabCommandError);
      assert.match(
        error.message,
        new RegExp(
          `^\`ip -n ${PREFIX}-nowhere link show\` failed: exit 255: Cannot open network namespace "${PREFIX}-nowhere"`,
        ),
      );
      return true;
    });
  });

  test("refuses a prefix that is no namespace name", async () => {
    await assert.rejects(buildLab("../etc"), /lab prefix "\.\.\/etc": use 1 to 32 letters/);
  });
});

describe("the lab's reaper", { skip: labSkip() }, () => {
  after(async () => {
    await teardownLab(CHILD_PREFIX);
  });
  const present = () => namespaces().has(`${CHILD_PREFIX}-router`);

  test("removes the lab within seconds after its builder is SIGKILLed", async () => {
    const builder = startBuilder("wait");
    await builder.ready;
    assert.ok(present(), "the lab was built");
    builder.child.kill("SIGKILL");
    await builder.exited;
    await eventually(
      "the namespaces are gone",
      () => !namespaces().has(`${CHILD_PREFIX}-device`) && !present(),
      5000,
    );
    // The claim goes last, after the namespaces.
    await eventually("its claim is gone", () => !existsSync(`/run/openqod-lab-${CHILD_PREFIX}.pid`), 2000);
    assert.ok(!namespaces().has(`${CHILD_PREFIX}-server`));
  });

  test("does not keep its builder alive, and removes the lab when the builder ends without a teardown", async () => {
    const builder = startBuilder("exit");
    await builder.ready;
    assert.equal(await builder.exited, 0);
    await eventually("the namespaces are gone", () => !present(), 5000);
  });

  test("once stopped, leaves the lab to its owner", async () => {
    const builder = startBuilder("stop");
    await builder.ready;
    await builder.exited;
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(present(), "the stopped reaper removed the lab");
    assert.equal((await teardownLab(CHILD_PREFIX)).length, 3);
  });
});
