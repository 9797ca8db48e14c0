import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { ProfileCatalogue } from "../domain/profiles.ts";
import type { WorkerEvents } from "../events.ts";
import type { NetworkAdapter } from "./adapter.ts";
import type { DeviceRegistry } from "./device-registry.ts";
import { createLinuxTcAdapter } from "./linux-tc/create.ts";
import { createNefAdapter } from "./nef/create.ts";
import { NetworkSimulator } from "./simulator.ts";

/**
 * The network OPENQOD_NETWORK names: the built-in simulator, a 3GPP NEF, or this machine's kernel.
 * @throws ConfigError when the chosen network cannot be set up (see each adapter's factory).
 */
export async function createNetwork(
  config: Readonly<Config>,
  deps: { profiles: ProfileCatalogue; registry: Partial<DeviceRegistry>; events: WorkerEvents; clock: Clock },
): Promise<NetworkAdapter> {
  const catalogue = deps.profiles.list().map((p) => p.name);
  switch (config.network) {
    case "nef":
      return createNefAdapter(config, { profileNames: catalogue, events: deps.events, clock: deps.clock });
    case "linux-tc":
      return createLinuxTcAdapter(config, { profiles: deps.profiles, events: deps.events });
    case "simulator":
      return new NetworkSimulator({
        ...deps.registry,
        catalogue,
        activationDelayMs: config.activationDelayMs,
        // Each instance sharing a database has a simulator of its own, which knows only its own sessions.
        listsReservations: config.databaseUrl === null,
      });
  }
}
