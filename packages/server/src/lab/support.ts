import { spawnSync } from "node:child_process";

/** What labSupport looks at; tests give their own answers. */
export interface SupportChecks {
  /** Whether this process runs as root (effective uid 0). */
  isRoot(): boolean;
  /** Runs a command to completion: null when it exited 0, else why not (its stderr, or "not found"). */
  run(file: string, args: readonly string[]): string | null;
}

const system: SupportChecks = {
  isRoot: () => process.geteuid?.() === 0,
  run(file, args) {
    const result = spawnSync(file, args, { stdio: ["ignore", "ignore", "pipe"], timeout: 5000 });
    if (result.error !== undefined) {
      return (result.error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : result.error.message;
    }
    return result.status === 0 ? null : result.stderr.toString().trim() || `exit ${result.status}`;
  },
};

/**
 * Whether a lab can be built here: root, iproute2's `ip` and `tc`, ethtool, and a network namespace that can
 * really be made (a container without CAP_SYS_ADMIN runs as root and still cannot).
 * @returns null when usable, else the reason in one line, saying what to do
 */
export function labSupport(checks: SupportChecks = system): string | null {
  if (!checks.isRoot()) {
    return "the lab needs root (it creates network namespaces and shapes them with tc): run it with sudo, e.g. `sudo npx openqod lab`";
  }
  for (const tool of ["ip", "tc"]) {
    const failure = checks.run(tool, ["-V"]);
    if (failure !== null) return `\`${tool}\` cannot run (${failure}): install iproute2`;
  }
  // The lab turns the veths' offloads off (see topology.ts), which only ethtool does.
  const ethtool = checks.run("ethtool", ["--version"]);
  if (ethtool !== null) return `\`ethtool\` cannot run (${ethtool}): install ethtool`;
  // A throwaway name of this process only, so that two checks at once never collide.
  const probe = `oqprobe-${process.pid}`;
  const failure = checks.run("ip", ["netns", "add", probe]);
  if (failure !== null) return `cannot create a network namespace (\`ip netns add\`: ${failure})`;
  const left = checks.run("ip", ["netns", "delete", probe]);
  if (left !== null) return `cannot delete the network namespace ${probe} it just made (${left})`;
  return null;
}
