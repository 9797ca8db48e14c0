import { spawn } from "node:child_process";
import { execIn } from "./netns.ts";

/*
 * The lab proves its path with TCP rather than ping: it needs nothing but this Node (no iputils), and
 * it is the kind of traffic iperf3 sends. Both scripts are CommonJS for `node -e`, and bounded in time.
 */

/** Accepts connections on every address of its namespace (dual stack), prints its port, ends by itself. */
const LISTENER = `
const net = require("node:net");
const server = net.createServer((c) => c.end());
server.listen({ host: "::", port: 0, ipv6Only: false }, () => process.stdout.write(server.address().port + "\\n"));
setTimeout(() => process.exit(0), Number(process.argv[1])).unref();
`;

/**
 * Connects to each host, retrying until the deadline: a veth just set up drops what it is sent until the
 * kernel's link watch activates it (up to 1 s later), so each try waits 250 ms, not TCP's 1 s SYN timer.
 */
const CONNECTOR = `
const net = require("node:net");
const [port, ms, ...hosts] = process.argv.slice(1);
const once = (host) => new Promise((done) => {
  const c = net.connect({ host, port: Number(port) });
  c.setTimeout(250);
  c.once("connect", () => { c.destroy(); done(null); });
  c.once("timeout", () => { c.destroy(); done("timed out"); });
  c.once("error", (e) => done(e.code || e.message));
});
const reach = async (host) => {
  const end = Date.now() + Number(ms);
  for (;;) {
    const failure = await once(host);
    if (failure === null || Date.now() > end) return failure;
    await new Promise((r) => setTimeout(r, 100));
  }
};
(async () => {
  const out = {};
  for (const host of hosts) out[host] = await reach(host);
  process.stdout.write(JSON.stringify(out));
})();
`;

/**
 * Checks that `from` reaches each of `hosts` (addresses in `to`) over TCP.
 * @param withinMs how long each address may take to answer @default 3000
 * @returns one line per address that could not be reached (empty: all reached)
 */
export async function unreachable(
  path: { from: string; to: string; hosts: readonly string[] },
  withinMs = 3000,
): Promise<string[]> {
  const lifetime = withinMs * path.hosts.length + 2000;
  const listener = spawn(
    "ip",
    ["netns", "exec", path.to, process.execPath, "-e", LISTENER, String(lifetime)],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  try {
    const port = await firstLine(listener, lifetime);
    const result = await execIn(
      path.from,
      process.execPath,
      ["-e", CONNECTOR, port, String(withinMs), ...path.hosts],
      lifetime,
    );
    if (result.code !== 0) return [`the probe in ${path.from} failed: ${result.stderr.trim()}`];
    const outcome = JSON.parse(result.stdout) as Record<string, string | null>;
    return path.hosts.flatMap((host) => {
      const failure = outcome[host];
      return failure === null ? [] : [`${host}: ${failure ?? "no answer"}`];
    });
  } finally {
    listener.kill("SIGKILL");
  }
}

/** The listener's port, or an Error with its stderr if it ends or says nothing in time. */
function firstLine(child: ReturnType<typeof spawn>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`no listener within ${timeoutMs} ms: ${err}`)),
      timeoutMs,
    );
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const newline = out.indexOf("\n");
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, newline).trim());
      }
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the listener ended (exit ${code}): ${err.trim()}`));
    });
  });
}
