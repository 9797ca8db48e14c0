import { readFile } from "node:fs/promises";
import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ConfigError } from "./config.ts";
import type { QosProfile } from "./domain/types.ts";
import { QosProfile as QosProfileSchema } from "./http/schemas.ts";
import {
  type DeviceOutcome,
  type DeviceRegistry,
  type DeviceRule,
  unknownProfileNames,
} from "./network/device-registry.ts";
import { parseDurationMs } from "./setting-kinds.ts";

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError([`cannot read the ${what} ${path}: ${(error as Error).message}`]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`the ${what} ${path} is not valid JSON: ${(error as Error).message}`]);
  }
}

function check<T>(schema: Parameters<typeof Value.Check>[0], value: unknown, path: string, what: string): T {
  if (Value.Check(schema, value)) return value as T;
  const problems = [...Value.Errors(schema, value)]
    .slice(0, 5)
    .map((e) => `${what} ${path}: ${e.path || "/"} ${e.message}`);
  throw new ConfigError(problems);
}

const ProfilesFile = Type.Array(QosProfileSchema, { minItems: 1 });

/**
 * Reads an operator's QoS profile catalogue: a JSON array of CAMARA QosProfile objects.
 * @throws ConfigError naming the file and what is wrong in it.
 */
export async function loadProfilesFile(path: string): Promise<QosProfile[]> {
  const profiles = check<QosProfile[]>(
    ProfilesFile,
    await readJson(path, "profiles file"),
    path,
    "profiles file",
  );
  const names = new Set<string>();
  for (const p of profiles) {
    if (names.has(p.name)) throw new ConfigError([`profiles file ${path}: profile ${p.name} appears twice`]);
    names.add(p.name);
  }
  return profiles;
}

const OUTCOMES: readonly DeviceOutcome[] = [
  "NOT_FOUND",
  "SERVICE_NOT_APPLICABLE",
  "REFUSE",
  "GRANT",
  "PENDING",
];
const Outcome = Type.Union(OUTCOMES.map((o) => Type.Literal(o)));
const IDENTIFIERS = ["phoneNumber", "networkAccessIdentifier", "ipv4PublicAddress", "ipv6Address"] as const;
const DeviceEntry = Type.Object(
  {
    phoneNumber: Type.Optional(Type.String()),
    networkAccessIdentifier: Type.Optional(Type.String()),
    ipv4PublicAddress: Type.Optional(Type.String()),
    ipv6Address: Type.Optional(Type.String()),
    outcome: Type.Optional(Outcome),
    activationDelay: Type.Optional(Type.String()),
    qosProfiles: Type.Optional(Type.Array(Type.String(), { uniqueItems: true })),
    consent: Type.Optional(Type.Union([Type.Literal("ALLOW"), Type.Literal("DENY")])),
    consentDelay: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const DevicesFile = Type.Object(
  {
    unknownDevices: Type.Optional(Outcome),
    restrictedProfiles: Type.Optional(Type.Array(Type.String(), { uniqueItems: true })),
    devices: Type.Optional(Type.Array(DeviceEntry)),
  },
  { additionalProperties: false },
);
type DeviceEntry = Static<typeof DeviceEntry>;

/** The rule an entry states; what is wrong in it goes to `problems`. */
function toRule(entry: DeviceEntry, where: string, problems: string[]): DeviceRule {
  if (!IDENTIFIERS.some((key) => entry[key] !== undefined)) {
    problems.push(`${where} has no identifier (one of ${IDENTIFIERS.join(", ")})`);
  }
  const { activationDelay, outcome, qosProfiles, consent, consentDelay, ...identifiers } = entry;
  const rule: DeviceRule = { ...identifiers, outcome: outcome ?? "GRANT" };
  if (qosProfiles !== undefined) rule.qosProfiles = qosProfiles;
  if (consent !== undefined) rule.consent = consent;
  if (consentDelay !== undefined) {
    const ms = parseDurationMs(consentDelay);
    if (ms === null) problems.push(`${where}/consentDelay must be a duration like 250ms, 5s or 2m`);
    else rule.consentDelayMs = ms;
  }
  if (activationDelay !== undefined) {
    const ms = parseDurationMs(activationDelay);
    if (ms === null) problems.push(`${where}/activationDelay must be a duration like 250ms, 5s or 2m`);
    else rule.activationDelayMs = ms;
  }
  return rule;
}

/**
 * Reads the simulator's device registry, e.g. `{ "restrictedProfiles": ["QOS_L"], "devices": [{ "phoneNumber":
 * "+3670…", "activationDelay": "2s", "qosProfiles": ["QOS_E", "QOS_L"] }] }`, and checks its profile names
 * against `catalogue` (the names on offer).
 * @throws ConfigError naming the file and what is wrong in it.
 */
export async function loadDevicesFile(path: string, catalogue: readonly string[]): Promise<DeviceRegistry> {
  const file = check<Static<typeof DevicesFile>>(
    DevicesFile,
    await readJson(path, "devices file"),
    path,
    "devices file",
  );
  const problems: string[] = [];
  const registry: DeviceRegistry = {
    rules: (file.devices ?? []).map((entry, index) => toRule(entry, `devices/${index}`, problems)),
    unknownDevices: file.unknownDevices ?? "GRANT",
    restrictedProfiles: file.restrictedProfiles ?? [],
  };
  problems.push(...unknownProfileNames(registry, catalogue));
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `devices file ${path}: ${p}`));
  return registry;
}
