import { readFile } from "node:fs/promises";
import { mustRun } from "./exec.ts";
import { listNamespaces, namespacesOf } from "./netns.ts";

/** A process running inside one of a lab's namespaces. */
export interface LabProcess {
  netns: string;
  pid: number;
  /** Its command name (/proc/PID/comm), e.g. `iperf3`. */
  command: string;
}

/**
 * The processes inside the lab of `prefix` (e.g. the iperf3 servers a user started there). A teardown does
 * not stop them, since they are not the lab's: they keep running, without a network, so the lab names them.
 * @throws LabCommandError when `ip netns pids` fails for a namespace that exists
 */
export async function labProcesses(prefix: string): Promise<LabProcess[]> {
  const ns = namespacesOf(prefix);
  const present = new Set(await listNamespaces());
  const found: LabProcess[] = [];
  for (const netns of [ns.device, ns.router, ns.server]) {
    if (!present.has(netns)) continue;
    const pids = (await mustRun("ip", ["netns", "pids", netns])).split("\n").filter((l) => l.trim() !== "");
    for (const pid of pids.map(Number)) {
      // A process that ended since the listing is simply not there any more.
      const command = await readFile(`/proc/${pid}/comm`, "utf8").then(
        (c) => c.trim(),
        () => null,
      );
      if (command !== null) found.push({ netns, pid, command });
    }
  }
  return found;
}
