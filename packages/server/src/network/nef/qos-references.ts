import { readFile } from "node:fs/promises";
import { ConfigError } from "../../config.ts";

/**
 * Reads OPENQOD_NEF_QOS_REFERENCES: a JSON object mapping QoS profile names to the NEF's `qosReference`
 * (operator configuration: the NEF knows its own names for pre-defined QoS). Profiles it does not name
 * use their own name.
 * @throws ConfigError for an unreadable file, bad JSON, a value that is not a non-empty string, or a
 *   profile the catalogue does not have (a typo would otherwise silently send the default).
 */
export async function loadQosReferences(
  path: string,
  profiles: readonly string[],
): Promise<ReadonlyMap<string, string>> {
  const what = `the QoS references file (OPENQOD_NEF_QOS_REFERENCES) ${path}`;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError([`cannot read ${what}: ${(error as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`${what} is not valid JSON: ${(error as Error).message}`]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new ConfigError([`${what} must be a JSON object of profile name to qosReference`]);
  const known = new Set(profiles);
  const problems: string[] = [];
  const references = new Map<string, string>();
  for (const [name, reference] of Object.entries(parsed)) {
    if (!known.has(name)) problems.push(`${what} names ${name}, which is not a QoS profile`);
    else if (typeof reference !== "string" || reference === "")
      problems.push(`${what}: the qosReference of ${name} must be a non-empty string`);
    else references.set(name, reference);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return references;
}
