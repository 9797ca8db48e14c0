import { mustRun } from "./exec.ts";
import { deleteNamespaces, ipIn, namespacesOf } from "./netns.ts";
import { unreachable } from "./reach.ts";

export { labSupport } from "./support.ts";

/**
 * A built lab: a device and an application server, each in its own network namespace, joined only
 * through a router namespace whose two interfaces are where OpenQoD shapes (the router's egress is the
 * bottleneck). Addresses are from the benchmarking ranges (198.18.0.0/15, 2001:2::/48): never the host's.
 */
export interface LabTopology {
  prefix: string;
  device: { netns: string; iface: "dev0"; ipv4: "198.18.1.2"; ipv6: "2001:2:0:1::2" };
  /** `downlink` faces the device, `uplink` the server. */
  router: { netns: string; downlink: "down0"; uplink: "up0" };
  server: { netns: string; iface: "srv0"; ipv4: "198.18.2.2"; ipv6: "2001:2:0:2::2" };
}

/** The default prefix of `openqod lab`: namespaces oqlab-device, oqlab-router, oqlab-server. */
export const DEFAULT_LAB_PREFIX = "oqlab";

function topologyOf(prefix: string): LabTopology {
  const ns = namespacesOf(prefix);
  return {
    prefix,
    device: { netns: ns.device, iface: "dev0", ipv4: "198.18.1.2", ipv6: "2001:2:0:1::2" },
    router: { netns: ns.router, downlink: "down0", uplink: "up0" },
    server: { netns: ns.server, iface: "srv0", ipv4: "198.18.2.2", ipv6: "2001:2:0:2::2" },
  };
}

/**
 * Sets /proc/sys/net values inside a namespace. Through `sh` rather than `sysctl`: procps is not on every
 * minimal system, a shell is. /proc/sys/net shows the namespace of the process reading it.
 */
function sysctls(netns: string, keys: readonly string[], value: "0" | "1" = "1"): Promise<string> {
  const script = 'v=$1; shift; for k in "$@"; do echo "$v" > "/proc/sys/net/$k" || exit 1; done';
  return mustRun("ip", ["netns", "exec", netns, "sh", "-c", script, "sh", value, ...keys]);
}

/**
 * Builds the lab of `prefix`, after removing what is left of an earlier one of the same prefix (a crash),
 * and returns once the device reaches the server through the router over IPv4 and IPv6.
 * @param prefix @default "oqlab"
 * @throws LabCommandError (which command, its stderr) or Error (the path that does not work); whatever was
 *   made by then is removed first
 */
export async function buildLab(prefix = DEFAULT_LAB_PREFIX): Promise<LabTopology> {
  const lab = topologyOf(prefix);
  const { device, router, server } = lab;
  const all = [device.netns, router.netns, server.netns];
  await deleteNamespaces(all);
  try {
    for (const netns of all) {
      await mustRun("ip", ["netns", "add", netns]);
      // Duplicate address detection would hold every IPv6 address (link-local too) for about 2 s; in a
      // lab whose every address is ours there is nothing to detect. `default` covers links made after.
      await sysctls(netns, ["ipv6/conf/all/accept_dad", "ipv6/conf/default/accept_dad"], "0");
      await ipIn(netns, ["link", "set", "lo", "up"]);
    }
    await vethPair([router.netns, router.downlink], [device.netns, device.iface]);
    await vethPair([router.netns, router.uplink], [server.netns, server.iface]);
    for (const [netns, iface] of [
      [device.netns, device.iface],
      [router.netns, router.downlink],
      [router.netns, router.uplink],
      [server.netns, server.iface],
    ] as const) {
      await likeAWire(netns, iface);
    }
    await sysctls(router.netns, ["ipv4/ip_forward", "ipv6/conf/all/forwarding"]);
    await address(device.netns, device.iface, "198.18.1.2/24", "2001:2:0:1::2/64");
    await address(router.netns, router.downlink, "198.18.1.1/24", "2001:2:0:1::1/64");
    await address(router.netns, router.uplink, "198.18.2.1/24", "2001:2:0:2::1/64");
    await address(server.netns, server.iface, "198.18.2.2/24", "2001:2:0:2::2/64");
    await defaultRoutes(device.netns, "198.18.1.1", "2001:2:0:1::1");
    await defaultRoutes(server.netns, "198.18.2.1", "2001:2:0:2::1");
    const failures = await unreachable({
      from: device.netns,
      to: server.netns,
      hosts: [server.ipv4, server.ipv6],
    });
    if (failures.length > 0) {
      throw new Error(`the lab's device cannot reach its server through the router: ${failures.join("; ")}`);
    }
    return lab;
  } catch (error) {
    await deleteNamespaces(all).catch(() => {
      // The build's failure is the news; a teardown that fails as well is reported by the next build.
    });
    throw error;
  }
}

/** A veth pair whose both ends are made inside their namespaces: nothing of the lab is ever in the host's. */
function vethPair([netns, iface]: readonly [string, string], [peerNetns, peer]: readonly [string, string]) {
  return ipIn(netns, ["link", "add", iface, "type", "veth", "peer", "name", peer, "netns", peerNetns]);
}

/**
 * Makes a veth behave like the wire it stands for, which shaping needs (measured on the 100 Mbit/s
 * scenario of issue 17, 8 bulk streams against one app flow): with segmentation offloads on, a sender hands the router 64 KB
 * super-packets that pass it unsplit, so a queue counted in packets holds megabytes (843 ms of standing
 * queue without a session, the fair share swinging 3.6 to 15 Mbit/s). The queue length is what htb's
 * leaf queues take as their limit: veth's 1000 packets are 120 ms at 100 Mbit/s; 100 keep the fair share
 * steady and an unshaped flow's latency near 14 ms, as on a router with a sensible buffer.
 */
async function likeAWire(netns: string, iface: string): Promise<void> {
  await mustRun("ip", [
    "netns",
    "exec",
    netns,
    "ethtool",
    "-K",
    iface,
    "tso",
    "off",
    "gso",
    "off",
    "gro",
    "off",
  ]);
  await ipIn(netns, ["link", "set", iface, "txqueuelen", "100"]);
}

async function address(netns: string, iface: string, ipv4: string, ipv6: string): Promise<void> {
  await ipIn(netns, ["address", "add", ipv4, "dev", iface]);
  await ipIn(netns, ["-6", "address", "add", ipv6, "dev", iface, "nodad"]);
  await ipIn(netns, ["link", "set", iface, "up"]);
}

async function defaultRoutes(netns: string, ipv4: string, ipv6: string): Promise<void> {
  await ipIn(netns, ["route", "add", "default", "via", ipv4]);
  await ipIn(netns, ["-6", "route", "add", "default", "via", ipv6]);
}

/**
 * Removes the lab of `prefix` (its three namespaces; their veths go with them). Namespaces of other
 * prefixes are never touched; a lab that is not there is no error.
 * @returns the namespace names it removed
 * @throws LabCommandError when one exists and cannot be deleted
 */
export function teardownLab(prefix: string): Promise<string[]> {
  const ns = namespacesOf(prefix);
  return deleteNamespaces([ns.device, ns.router, ns.server]);
}
