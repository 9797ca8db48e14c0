import { mustRun, runCommand } from "./exec.ts";

/** The three roles of a lab, each a network namespace `${prefix}-${role}`. */
export const ROLES = ["device", "router", "server"] as const;
export type Role = (typeof ROLES)[number];

/**
 * A prefix is part of file names under /run/netns and of copy-paste commands: letters, digits, `_` and `-`,
 * starting with a letter or digit, at most 32 characters (so `${prefix}-router` stays short to type).
 */
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/**
 * The namespace names of a lab.
 * @throws Error for a prefix that is not a valid namespace name part
 */
export function namespacesOf(prefix: string): Record<Role, string> {
  if (!PREFIX.test(prefix)) {
    throw new Error(
      `lab prefix "${prefix}": use 1 to 32 letters, digits, "_" or "-", starting with a letter or digit`,
    );
  }
  return { device: `${prefix}-device`, router: `${prefix}-router`, server: `${prefix}-server` };
}

/**
 * The names of the network namespaces that exist now.
 * @throws LabCommandError when `ip netns list` fails
 */
export async function listNamespaces(): Promise<string[]> {
  // `ip -j netns list` prints nothing at all (not `[]`) when there is none.
  const out = (await mustRun("ip", ["-j", "netns", "list"])).trim();
  if (out === "") return [];
  const parsed: unknown = JSON.parse(out);
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((entry: unknown) => {
    const name = (entry as { name?: unknown } | null)?.name;
    return typeof name === "string" ? [name] : [];
  });
}

/**
 * Deletes those of `names` that exist; the others are no error (a teardown after a half-built lab).
 * @returns the names it deleted
 * @throws LabCommandError when one exists and cannot be deleted
 */
export async function deleteNamespaces(names: readonly string[]): Promise<string[]> {
  const present = new Set(await listNamespaces());
  const removed: string[] = [];
  for (const name of names) {
    if (!present.has(name)) continue;
    try {
      await mustRun("ip", ["netns", "delete", name]);
    } catch (error) {
      // Gone meanwhile (a reaper removing the same lab): what was asked for holds.
      if ((await listNamespaces()).includes(name)) throw error;
      continue;
    }
    removed.push(name);
  }
  return removed;
}

/** `ip -n NS …` in a lab namespace. @throws LabCommandError */
export function ipIn(netns: string, args: readonly string[]): Promise<string> {
  return mustRun("ip", ["-n", netns, ...args]);
}

/** A command run inside a namespace (`ip netns exec NS …`); never throws. */
export function execIn(netns: string, file: string, args: readonly string[], timeoutMs = 10_000) {
  return runCommand("ip", ["netns", "exec", netns, file, ...args], { timeoutMs });
}
