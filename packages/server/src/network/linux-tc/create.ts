import { type Config, ConfigError } from "../../config.ts";
import type { ProfileCatalogue } from "../../domain/profiles.ts";
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
  deps: { profiles: ProfileCatalogue },
): Promise<LinuxTcAdapter> {
  const { tcDownlinkDevice: downlink, tcLinkRate: linkRate, tcNetns: netns, tcUplinkDevice: uplink } = config;
  if (downlink === null || linkRate === null)
    throw new ConfigError([
      "OPENQOD_NETWORK=linux-tc needs OPENQOD_TC_DOWNLINK_DEVICE and OPENQOD_TC_LINK_RATE",
    ]);
  const problems = await tcPreflight({ netns, downlink, uplink });
  if (problems.length > 0) throw new ConfigError(problems);
  const adapter = new LinuxTcAdapter({
    kernel: new TcCommand(netns),
    downlink,
    uplink,
    linkRate,
    profile: (name) => deps.profiles.get(name),
  });
  try {
    await adapter.start();
  } catch (error) {
    if (error instanceof ForeignRootError || error instanceof TcError) throw new ConfigError([error.message]);
    throw error;
  }
  return adapter;
}
