import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Config, ConfigError } from "../../config.ts";
import { claimExclusive } from "../../data-dir-lock.ts";
import type { ProfileCatalogue } from "../../domain/profiles.ts";
import type { WorkerEvents } from "../../events.ts";
import { LinuxTcAdapter } from "./adapter.ts";
import { TcCommand, TcError } from "./kernel.ts";
import { tcPreflight } from "./preflight.ts";
import { ForeignRootError } from "./repair.ts";

/**
 * The linux-tc adapter from the configuration (`--network linux-tc`), its roots set up on the interfaces.
 * @throws ConfigError when the process may not change traffic control, an interface or namespace does
 *   not exist, an interface's root qdisc is someone else's, or tc refuses the setup.
 */
export async function createLinuxTcAdapter(
  config: Readonly<Config>,
  deps: { profiles: ProfileCatalogue; events: WorkerEvents },
): Promise<LinuxTcAdapter> {
  const { tcDownlinkDevice: downlink, tcLinkRate: linkRate, tcNetns: netns, tcUplinkDevice: uplink } = config;
  if (downlink === null || linkRate === null)
    throw new ConfigError([
      "OPENQOD_NETWORK=linux-tc needs OPENQOD_TC_DOWNLINK_DEVICE and OPENQOD_TC_LINK_RATE",
    ]);
  const problems = await tcPreflight({ netns, downlink, uplink });
  if (problems.length > 0) throw new ConfigError(problems);
  const releases = claimInterfaces(netns, [downlink, ...(uplink === null ? [] : [uplink])]);
  const adapter = new LinuxTcAdapter({
    kernel: new TcCommand(netns),
    downlink,
    uplink,
    linkRate,
    profile: (name) => deps.profiles.get(name),
    onKernelError: (error) => deps.events.emit("worker:error", { worker: "network", error }),
    onClose: () => {
      for (const release of releases) release();
    },
  });
  try {
    await adapter.start();
  } catch (error) {
    for (const release of releases) release();
    if (error instanceof ForeignRootError || error instanceof TcError) throw new ConfigError([error.message]);
    throw error;
  }
  return adapter;
}

/**
 * One OpenQoD per interface, whatever its data folder: a second one would take the first one's
 * sessions out of the kernel at its first repair. The claims are kernel locks in /run/lock (every
 * user may write there), freed by the kernel when the process dies.
 * @throws ConfigError naming the holder.
 */
function claimInterfaces(netns: string | null, devices: readonly string[]): Array<() => void> {
  const releases: Array<() => void> = [];
  try {
    for (const dev of devices) {
      const name = claimName(netns, dev);
      releases.push(
        claimExclusive(
          `${name}.lock`,
          `${name}.pid`,
          (holder) =>
            `another OpenQoD${holder === null ? "" : ` (pid ${holder})`} already shapes ${dev}${netns === null ? "" : ` in namespace ${netns}`}: one OpenQoD per interface`,
        ),
      );
    }
  } catch (error) {
    for (const release of releases) release();
    throw error;
  }
  return releases;
}

const LOCK_DIR = "/run/lock";

const claimName = (netns: string | null, dev: string) =>
  join(LOCK_DIR, `openqod-linux-tc-${netns ?? "host"}-${dev}`);

/**
 * Removes the claim files of a namespace that is gone (a test's or a benchmark's lab): released claims
 * keep their file, as the data folder's lock does, and each run's namespace has a name of its own.
 */
export async function removeInterfaceClaims(netns: string): Promise<void> {
  const prefix = `openqod-linux-tc-${netns}-`;
  for (const name of await readdir(LOCK_DIR).catch(() => [])) {
    if (name.startsWith(prefix) && name.endsWith(".lock")) await rm(join(LOCK_DIR, name), { force: true });
  }
}
