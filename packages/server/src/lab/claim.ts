import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { namespacesOf } from "./netns.ts";

/** A lab another live process runs (`openqod lab`): building it again would pull its network away. */
export class LabInUseError extends Error {
  override name = "LabInUseError";
  readonly pid: number;
  constructor(prefix: string, pid: number) {
    super(
      `the lab "${prefix}" is in use by process ${pid}: stop that one (Ctrl-C), or choose another --prefix`,
    );
    this.pid = pid;
  }
}

/** The owner's pid file: under /run, root's and emptied at boot like the namespaces it stands for. */
export function claimFile(prefix: string): string {
  namespacesOf(prefix);
  return `/run/openqod-lab-${prefix}.pid`;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** The pid of the live process that claimed the lab of `prefix`, or null (none, or it died). */
export function labOwner(prefix: string): number | null {
  let text: string;
  try {
    text = readFileSync(claimFile(prefix), "utf8");
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/**
 * Claims the lab of `prefix` for this process, so that a second `openqod lab` of the same prefix refuses
 * instead of rebuilding (and so cutting off) a running one. A claim of a process that died is taken over.
 * @returns release(), which gives it up (idempotent)
 * @throws LabInUseError when a live process holds it
 */
export function claimLab(prefix: string): { release(): void } {
  const file = claimFile(prefix);
  const owner = labOwner(prefix);
  if (owner !== null) throw new LabInUseError(prefix, owner);
  try {
    writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // A dead owner's file (checked above); `wx` again so that of two racing claims only one wins.
    rmSync(file, { force: true });
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
    } catch {
      throw new LabInUseError(prefix, labOwner(prefix) ?? 0);
    }
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (labOwner(prefix) === process.pid) rmSync(file, { force: true });
    },
  };
}
