import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** Capability bits in /proc's masks (linux/capability.h). */
const CAP_SYS_ADMIN = 21n;
const CAP_NET_ADMIN = 12n;

/**
 * Whether the `tc` this process runs may change traffic control: CAP_NET_ADMIN, and CAP_SYS_ADMIN to
 * enter another namespace. Read from this process's effective set, which its children inherit when
 * they are root's (a file capability on node alone would not reach tc).
 */
export function hasNetAdmin(options: { netns?: boolean; status?: string } = {}): boolean {
  try {
    const text = readFileSync(options.status ?? "/proc/self/status", "utf8");
    const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(text)?.[1];
    if (effective === undefined) return false;
    const has = (bit: bigint) => ((BigInt(`0x${effective}`) >> bit) & 1n) === 1n;
    return has(CAP_NET_ADMIN) && (options.netns !== true || has(CAP_SYS_ADMIN));
  } catch {
    return false;
  }
}

function interfacesOf(netns: string | null): Promise<string[] | { problem: string }> {
  const args = [...(netns === null ? [] : ["-n", netns]), "-json", "link", "show"];
  return new Promise((resolve) => {
    execFile("ip", args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error !== null) {
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        resolve({
          problem: missing
            ? "OPENQOD_NETWORK=linux-tc needs `ip` and `tc` (Debian package iproute2)"
            : `cannot list the interfaces (ip ${args.join(" ")}): ${stderr.trim() || error.message}`,
        });
        return;
      }
      const links = JSON.parse(stdout) as Array<{ ifname?: unknown }>;
      resolve(links.map((l) => l.ifname).filter((n): n is string => typeof n === "string"));
    });
  });
}

/**
 * What stops linux-tc from working here, in words naming the settings: no CAP_NET_ADMIN, a namespace
 * or an interface that does not exist. Checked at start, so a mistake fails the start, not a session.
 */
export async function tcPreflight(settings: {
  netns: string | null;
  downlink: string;
  uplink: string | null;
}): Promise<string[]> {
  const problems: string[] = [];
  const { netns } = settings;
  if (!hasNetAdmin({ netns: netns !== null })) {
    problems.push(
      `OPENQOD_NETWORK=linux-tc changes the kernel's traffic control: run OpenQoD as root (tc needs CAP_NET_ADMIN${netns === null ? "" : ", and CAP_SYS_ADMIN to enter OPENQOD_TC_NETNS"})`,
    );
  }
  if (netns !== null && !existsSync(`/run/netns/${netns}`)) {
    problems.push(`OPENQOD_TC_NETNS=${netns}: there is no such network namespace (see ip netns list)`);
    return problems;
  }
  const names = await interfacesOf(netns);
  if (!Array.isArray(names)) return [...problems, names.problem];
  const where = netns === null ? "" : ` in namespace ${netns}`;
  for (const [variable, name] of [
    ["OPENQOD_TC_DOWNLINK_DEVICE", settings.downlink],
    ["OPENQOD_TC_UPLINK_DEVICE", settings.uplink],
  ] as const) {
    if (name !== null && !names.includes(name))
      problems.push(`${variable}=${name}: no such interface${where} (there are: ${names.join(", ")})`);
  }
  return problems;
}
