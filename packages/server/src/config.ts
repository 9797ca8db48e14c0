import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { externalIdpSettingProblems } from "./auth/external-settings.ts";
import { tcSettingProblems } from "./network/linux-tc/settings.ts";
import { networkSettingProblems } from "./network/nef/settings.ts";
import {
  CLIENT_VARIABLES,
  Invalid,
  SETTINGS,
  type Setting,
  type SettingKey,
  type SettingValues,
} from "./settings.ts";

export { parseDurationMs } from "./settings.ts";

/**
 * Everything an OpenQoD server is configured with: one field per entry of `SETTINGS` (settings.ts, where
 * each is documented), with the data folder resolved and the public URL derived when not given. Read
 * once at start, validated, frozen.
 */
export type Config = Omit<SettingValues, "publicUrl"> & {
  /** How clients reach this server, without a trailing slash. @default http://HOST:PORT */
  publicUrl: string;
};

/** Every problem found in the configuration, reported together. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

type FlagOptions = Record<string, { type: "string" | "boolean" }>;

const ENTRIES = Object.entries(SETTINGS) as Array<[SettingKey, Setting<unknown>]>;
const FLAG_OPTIONS: FlagOptions = {
  ...Object.fromEntries(ENTRIES.map(([, s]) => [s.flag, { type: "string" }])),
  // Booleans may also be given bare: --sandbox, --no-sandbox.
  sandbox: { type: "boolean" },
  "no-sandbox": { type: "boolean" },
};
const KNOWN_VARIABLES = new Set<string>([...ENTRIES.map(([, s]) => s.variable), ...CLIENT_VARIABLES]);

/**
 * Reads flags (which win) and OPENQOD_* variables. The only reader of the environment.
 * @throws ConfigError listing every invalid or unknown setting.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Config> {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args: [...argv],
      options: FLAG_OPTIONS,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new ConfigError([error instanceof Error ? error.message : String(error)]);
  }
  const problems: string[] = [];
  const given = (spec: Setting<unknown>): { value: string; name: string } | undefined => {
    if (spec.flag === "sandbox" && flags["no-sandbox"] === true)
      return { value: "false", name: "--no-sandbox" };
    const fromFlag = flags[spec.flag];
    if (fromFlag === true) return { value: "true", name: `--${spec.flag}` };
    if (typeof fromFlag === "string") return { value: fromFlag, name: `--${spec.flag}` };
    const fromEnv = env[spec.variable];
    return fromEnv === undefined || fromEnv === "" ? undefined : { value: fromEnv, name: spec.variable };
  };

  const values: Record<string, unknown> = {};
  for (const [key, spec] of ENTRIES) {
    const setting = given(spec);
    const parsed = setting === undefined ? spec.fallback : spec.kind.parse(setting.value);
    if (parsed instanceof Invalid && setting !== undefined) {
      problems.push(
        parsed.echo
          ? `${setting.name}="${setting.value}" ${parsed.reason}`
          : `${setting.name} ${parsed.reason}`,
      );
      values[key] = spec.fallback;
    } else values[key] = parsed;
  }
  const settings = values as SettingValues;

  if (settings.deliveryLeaseMs <= settings.deliveryTimeoutMs) {
    // A lease running out while its attempt is still waiting would let a second instance send it too.
    problems.push(
      `the delivery lease (${settings.deliveryLeaseMs} ms) must be longer than the delivery timeout (${settings.deliveryTimeoutMs} ms)`,
    );
  }
  problems.push(...networkSettingProblems(settings));
  problems.push(...tcSettingProblems(settings));
  problems.push(...externalIdpSettingProblems(settings));
  for (const name of Object.keys(env)) {
    // A misspelt variable would otherwise be silently ignored.
    if (name.startsWith("OPENQOD_") && !KNOWN_VARIABLES.has(name) && !name.startsWith("OPENQOD_TEST_")) {
      problems.push(`unknown setting ${name}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const { host, port } = settings;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  return Object.freeze({
    ...settings,
    dataDir: resolve(settings.dataDir),
    publicUrl: settings.publicUrl ?? `http://${urlHost}:${port}`,
  });
}
