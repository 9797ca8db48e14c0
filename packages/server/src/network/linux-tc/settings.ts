import { Invalid, type Kind } from "../../setting-kinds.ts";
// A type only: settings.ts spreads TC_SETTINGS into the one table whose values this checks.
import type { SettingValues } from "../../settings.ts";
import { parseLinkRate } from "./rate.ts";

/** A name as the kernel allows it: at most 15 characters, none of them `/`, `:` or white space. */
const interfaceName: Kind<string | null> = {
  expects: "an interface name (at most 15 characters)",
  placeholder: "interface",
  parse: (raw) =>
    /^[A-Za-z0-9_.@-]{1,15}$/.test(raw)
      ? raw
      : new Invalid("must be an interface name of at most 15 characters"),
};

const namespaceName: Kind<string | null> = {
  expects: "a network namespace name (as in `ip netns list`)",
  placeholder: "name",
  parse: (raw) =>
    /^[A-Za-z0-9_.-]{1,64}$/.test(raw) && raw !== "." && raw !== ".."
      ? raw
      : new Invalid("must be a network namespace name (letters, digits, `_`, `.`, `-`)"),
};

const linkRate: Kind<number | null> = {
  expects: "a rate in bits per second: 100mbit, 1gbit, 500kbit",
  placeholder: "rate",
  parse: (raw) => {
    const bits = parseLinkRate(raw);
    return typeof bits === "number" ? bits : new Invalid(bits.problem);
  },
};

/**
 * The settings of `--network linux-tc`: the router's interfaces OpenQoD shapes with traffic control.
 * Declared here, spread into SETTINGS (settings.ts), so the README table and --help list them.
 */
export const TC_SETTINGS = {
  tcDownlinkDevice: {
    flag: "tc-downlink-device",
    variable: "OPENQOD_TC_DOWNLINK_DEVICE",
    kind: interfaceName,
    fallback: null,
    defaultText: "none (required with `--network linux-tc`)",
    doc: "the interface towards the devices: downstream traffic is shaped on its egress",
  },
  tcUplinkDevice: {
    flag: "tc-uplink-device",
    variable: "OPENQOD_TC_UPLINK_DEVICE",
    kind: interfaceName,
    fallback: null,
    defaultText: "none (upstream not shaped)",
    doc: "the interface towards the application servers: upstream traffic is shaped on its egress",
  },
  tcLinkRate: {
    flag: "tc-link-rate",
    variable: "OPENQOD_TC_LINK_RATE",
    kind: linkRate,
    fallback: null,
    defaultText: "none (required with `--network linux-tc`)",
    doc: "the capacity shared on each interface, e.g. `100mbit` (tc's units, in bits)",
  },
  tcNetns: {
    flag: "tc-netns",
    variable: "OPENQOD_TC_NETNS",
    kind: namespaceName,
    fallback: null,
    defaultText: "OpenQoD's own",
    doc: "the network namespace the interfaces are in (commands run as `tc -n NAME`)",
  },
} as const;

/** The checks across the linux-tc settings; the interfaces themselves are checked at start (preflight.ts). */
export function tcSettingProblems(
  settings: Pick<SettingValues, keyof typeof TC_SETTINGS | "network" | "databaseUrl">,
): string[] {
  const given = Object.entries(TC_SETTINGS).filter(
    ([key]) => settings[key as keyof typeof TC_SETTINGS] !== null,
  );
  if (settings.network !== "linux-tc") {
    // Forgetting OPENQOD_NETWORK would quietly leave the traffic unshaped.
    return given.map(
      ([, spec]) =>
        `${spec.variable} is set but the network is ${settings.network}: set OPENQOD_NETWORK=linux-tc`,
    );
  }
  const problems: string[] = [];
  if (settings.tcDownlinkDevice === null)
    problems.push(
      "OPENQOD_NETWORK=linux-tc needs OPENQOD_TC_DOWNLINK_DEVICE (the interface towards the devices)",
    );
  if (settings.tcLinkRate === null)
    problems.push(
      "OPENQOD_NETWORK=linux-tc needs OPENQOD_TC_LINK_RATE (the capacity to share, e.g. 100mbit)",
    );
  if (settings.databaseUrl !== null) {
    // Each instance knows the plans of its own sessions only, and would take the others' out of its kernel.
    problems.push(
      "OPENQOD_NETWORK=linux-tc shapes one router from one OpenQoD: it cannot share OPENQOD_DATABASE_URL with other instances; use SQLite (unset OPENQOD_DATABASE_URL)",
    );
  }
  if (settings.tcUplinkDevice !== null && settings.tcUplinkDevice === settings.tcDownlinkDevice)
    problems.push("OPENQOD_TC_UPLINK_DEVICE must be another interface than OPENQOD_TC_DOWNLINK_DEVICE");
  return problems;
}
