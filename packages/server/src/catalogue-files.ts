import { readFile } from "node:fs/promises";
import { Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ConfigError } from "./config.ts";
import type { QosProfile } from "./domain/types.ts";
import { QosProfile as QosProfileSchema } from "./http/schemas.ts";
import type { DeviceRule, SimulatorOptions } from "./network/simulator.ts";

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

const Outcome = Type.Union(
  ["NOT_FOUND", "SERVICE_NOT_APPLICABLE", "REFUSE", "GRANT"].map((o) => Type.Literal(o)),
);
const DevicesFile = Type.Object(
  {
    unknownDevices: Type.Optional(Outcome),
    devices: Type.Optional(
      Type.Array(
        Type.Object(
          {
            phoneNumber: Type.Optional(Type.String()),
            networkAccessIdentifier: Type.Optional(Type.String()),
            ipv4PublicAddress: Type.Optional(Type.String()),
            ipv6Address: Type.Optional(Type.String()),
            outcome: Outcome,
          },
          { additionalProperties: false, minProperties: 2 },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * Reads the simulator's device registry: `{ "unknownDevices": "GRANT", "devices": [{ "phoneNumber": "+3670…", "outcome": "NOT_FOUND" }] }`.
 * @throws ConfigError naming the file and what is wrong in it.
 */
export async function loadDevicesFile(
  path: string,
): Promise<Pick<SimulatorOptions, "rules"> & Partial<SimulatorOptions>> {
  const file = check<{ unknownDevices?: DeviceRule["outcome"]; devices?: DeviceRule[] }>(
    DevicesFile,
    await readJson(path, "devices file"),
    path,
    "devices file",
  );
  return {
    rules: file.devices ?? [],
    ...(file.unknownDevices === undefined ? {} : { unknownDevices: file.unknownDevices }),
  };
}
