import { execFileSync } from "node:child_process";

/**
 * The lab of design.md (device - router - server namespaces) for the measured proof, until
 * `buildLab` (src/lab/topology.ts) lands: the same names, addresses and interfaces.
 */
export interface ProofLab {
  prefix: string;
  device: { netns: string; iface: "dev0"; ipv4: "198.18.1.2" };
  router: { netns: string; downlink: "down0"; uplink: "up0" };
  server: { netns: string; iface: "srv0"; ipv4: "198.18.2.2" };
}

const run = (args: string[]) =>
  execFileSync(args[0] ?? "", args.slice(1), { stdio: "pipe", timeout: 10_000 });

/** Whether the namespaces of `prefix` exist. */
function existing(prefix: string): string[] {
  const names = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "");
  return [`${prefix}-device`, `${prefix}-router`, `${prefix}-server`].filter((n) => names.includes(n));
}

/** Deletes the namespaces of `prefix` (and with them their veths), only those. */
export function removeProofLab(prefix: string): void {
  for (const netns of existing(prefix)) run(["ip", "netns", "delete", netns]);
}

/**
 * Builds the lab, tuned as physics.md found necessary for htb to shape what it is given: offloads off
 * (else 64 KB GSO packets cross the router whole) and queues of 100 packets (the htb leaves' pfifo limit).
 */
export function buildProofLab(prefix: string): ProofLab {
  const lab: ProofLab = {
    prefix,
    device: { netns: `${prefix}-device`, iface: "dev0", ipv4: "198.18.1.2" },
    router: { netns: `${prefix}-router`, downlink: "down0", uplink: "up0" },
    server: { netns: `${prefix}-server`, iface: "srv0", ipv4: "198.18.2.2" },
  };
  removeProofLab(prefix);
  try {
    const { device: d, router: r, server: s } = lab;
    for (const ns of [d.netns, r.netns, s.netns]) {
      run(["ip", "netns", "add", ns]);
      run(["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
    run([
      "ip",
      "-n",
      r.netns,
      "link",
      "add",
      "down0",
      "type",
      "veth",
      "peer",
      "name",
      "dev0",
      "netns",
      d.netns,
    ]);
    run([
      "ip",
      "-n",
      r.netns,
      "link",
      "add",
      "up0",
      "type",
      "veth",
      "peer",
      "name",
      "srv0",
      "netns",
      s.netns,
    ]);
    const ends: [string, string, string, string][] = [
      [d.netns, "dev0", "198.18.1.2/24", "2001:2:0:1::2/64"],
      [r.netns, "down0", "198.18.1.1/24", "2001:2:0:1::1/64"],
      [r.netns, "up0", "198.18.2.1/24", "2001:2:0:2::1/64"],
      [s.netns, "srv0", "198.18.2.2/24", "2001:2:0:2::2/64"],
    ];
    for (const [ns, iface, v4, v6] of ends) {
      run(["ip", "-n", ns, "addr", "add", v4, "dev", iface]);
      run(["ip", "-n", ns, "-6", "addr", "add", v6, "dev", iface, "nodad"]);
      run(["ip", "-n", ns, "link", "set", iface, "txqueuelen", "100", "up"]);
      run(["ip", "netns", "exec", ns, "ethtool", "-K", iface, "tso", "off", "gso", "off", "gro", "off"]);
    }
    run(["ip", "-n", d.netns, "route", "add", "default", "via", "198.18.1.1"]);
    run(["ip", "-n", s.netns, "route", "add", "default", "via", "198.18.2.1"]);
    run(["ip", "netns", "exec", r.netns, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"]);
    return lab;
  } catch (error) {
    removeProofLab(prefix);
    throw error;
  }
}
