/** The lab network in namespaces (`@openqod/server/lab`), for `openqod lab`, the benchmark and tests. */
export { claimLab, LabInUseError, labOwner } from "./claim.ts";
export { type CommandResult, LabCommandError } from "./exec.ts";
export { namespacesOf as labNamespaces } from "./netns.ts";
export { type LabProcess, labProcesses } from "./processes.ts";
export { type LabReaper, startLabReaper } from "./reaper.ts";
export type { SupportChecks } from "./support.ts";
export { buildLab, DEFAULT_LAB_PREFIX, type LabTopology, labSupport, teardownLab } from "./topology.ts";
