import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** CAP_NET_ADMIN's bit in /proc's capability masks (linux/capability.h). */
const CAP_NET_ADMIN = 12n;

/** Whether this process may change traffic control: root, or a binary given CAP_NET_ADMIN. */
export function hasNetAdmin(status = "/proc/self/status"): boolean {
  try {
    const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(status, "utf8"))?.[1];
    return effective !== undefined && ((BigInt(`0x${effective}`) >> CAP_NET_ADMIN) & 1n) === 1n;
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
  if (!hasNetAdmin()) {
    problems.push(
      "OPENQOD_NETWORK=linux-tc changes the kernel's traffic control: run OpenQoD as root, or give node CAP_NET_ADMIN (setcap cap_net_admin+ep $(command -v node))",
    );
  }
  const { netns } = settings;
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
