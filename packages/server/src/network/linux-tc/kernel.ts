import { execFile, spawn } from "node:child_process";
import { parsePrintedRate } from "./rate.ts";

/** An htb class as the kernel reports it. */
export interface KernelClass {
  /** e.g. "1:100" (hex minor). */
  classId: string;
  /** null for a root class. */
  parent: string | null;
  prio: number | null;
  rate: number | null;
  ceil: number | null;
}

/** An interface's root qdisc: its kind and handle ("1:"). */
export interface RootQdisc {
  kind: string;
  handle: string | null;
  /** htb's default class ("0xffff"), null for other kinds. */
  defaultClass: string | null;
}

/** A tc or ip command that failed: what was run and what it said. */
export class TcError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command}: ${stderr.trim() || "failed"}`);
  }
}

/** What the adapter needs of the kernel; the real one runs `tc`, in a network namespace when one is named. */
export interface TcKernel {
  /**
   * Runs the lines in one `tc -batch` (one process, one netlink session). With `force` it goes on past
   * failing lines (removals of what may already be gone) and never rejects for them.
   * @throws TcError (without `force`) at the first failing line.
   */
  batch(lines: readonly string[], options?: { force?: boolean }): Promise<void>;
  rootQdisc(dev: string): Promise<RootQdisc | null>;
  classes(dev: string): Promise<KernelClass[]>;
  /** The filters attached to the root qdisc 1:: how many rules (filters with a class) each pref holds. */
  filters(dev: string): Promise<Map<number, number>>;
}

const TIMEOUT_MS = 10_000;

interface QdiscJson {
  kind?: unknown;
  handle?: unknown;
  root?: unknown;
  options?: { default?: unknown };
}

interface FilterJson {
  pref?: unknown;
  options?: { flowid?: unknown };
}

/**
 * iproute2's `tc`. Qdiscs and filters are read with `-json`; classes as text, since iproute2 (6.1) prints
 * htb classes in text even under `-json`: each is one line, parsed field by field.
 */
export class TcCommand implements TcKernel {
  readonly #prefix: string[];

  constructor(netns: string | null) {
    this.#prefix = netns === null ? [] : ["-n", netns];
  }

  #run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        "tc",
        [...this.#prefix, ...args],
        { timeout: TIMEOUT_MS, maxBuffer: 16 << 20 },
        (error, stdout, stderr) => {
          if (error === null) resolve(stdout);
          else reject(new TcError(`tc ${[...this.#prefix, ...args].join(" ")}`, stderr || error.message));
        },
      );
    });
  }

  batch(lines: readonly string[], options: { force?: boolean } = {}): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    const force = options.force === true;
    const args = [...this.#prefix, ...(force ? ["-force"] : []), "-batch", "-"];
    return new Promise((resolve, reject) => {
      const child = spawn("tc", args, { stdio: ["pipe", "ignore", "pipe"], timeout: TIMEOUT_MS });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        if (stderr.length < 8_192) stderr += chunk;
      });
      child.on("error", (error) => reject(new TcError(`tc ${args.join(" ")}`, error.message)));
      child.on("close", (code) => {
        if (code === 0 || force) resolve();
        else reject(new TcError(`tc ${args.join(" ")}`, stderr));
      });
      child.stdin.end(`${lines.join("\n")}\n`);
    });
  }

  async rootQdisc(dev: string): Promise<RootQdisc | null> {
    const list = JSON.parse(await this.#run(["-json", "qdisc", "show", "dev", dev])) as QdiscJson[];
    const root = list.find((q) => q.root === true);
    if (root === undefined || typeof root.kind !== "string") return null;
    const defaultClass = root.options?.default;
    return {
      kind: root.kind,
      handle: typeof root.handle === "string" ? root.handle : null,
      defaultClass: typeof defaultClass === "string" ? defaultClass : null,
    };
  }

  async classes(dev: string): Promise<KernelClass[]> {
    const text = await this.#run(["class", "show", "dev", dev]);
    return text
      .split("\n")
      .map(parseClassLine)
      .filter((c) => c !== null);
  }

  async filters(dev: string): Promise<Map<number, number>> {
    const text = await this.#run(["-json", "filter", "show", "dev", dev, "parent", "1:"]);
    // An interface without the root 1: answers nothing at all, not an empty list.
    const list = text.trim() === "" ? [] : (JSON.parse(text) as FilterJson[]);
    const rules = new Map<number, number>();
    for (const filter of list) {
      if (typeof filter.pref !== "number") continue;
      // Each pref lists a header and its hash table too; only entries with a flowid are rules.
      const rule = typeof filter.options?.flowid === "string" ? 1 : 0;
      rules.set(filter.pref, (rules.get(filter.pref) ?? 0) + rule);
    }
    return rules;
  }
}

/** One line of `tc class show`: `class htb 1:100 parent 1:1 leaf 100: prio 1 rate 50Mbit ceil 100Mbit …`. */
export function parseClassLine(line: string): KernelClass | null {
  const words = line.trim().split(/\s+/);
  if (words[0] !== "class" || words[1] !== "htb" || words[2] === undefined) return null;
  const after = (key: string) => {
    const i = words.indexOf(key);
    return i === -1 ? undefined : words[i + 1];
  };
  const prio = after("prio");
  const rate = after("rate");
  const ceil = after("ceil");
  return {
    classId: words[2],
    parent: after("parent") ?? null,
    prio: prio === undefined ? null : Number(prio),
    rate: rate === undefined ? null : parsePrintedRate(rate),
    ceil: ceil === undefined ? null : parsePrintedRate(ceil),
  };
}
