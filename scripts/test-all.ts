/**
 * The test command's runner: every workspace's `npm test` (the server's runs on SQLite and on
 * PostgreSQL), then the pack-and-install check (and, with OPENQOD_TEST_FRESH_CLONE=1, the fresh-clone
 * check), one after another, each streamed as it runs. It then prints one line per run and, last, the
 * total for the whole run: `N passed, N failed` (`, N skipped`).
 *
 * Counts come from node:test's closing block (`# tests`, `# suites`, `# pass`, `# fail`, `# cancelled`,
 * `# skipped`, `# todo`, `# duration_ms`); a cancelled test counts as failed. A run that exits non-zero
 * without a failing test in its counts (a crash, a hook that threw, a required pass that could not
 * run) adds one failure, and so does a run that reported no tests at all. Exits 1 if anything failed.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** One run may take this long before it is stopped and counted as failed: 30 min. */
const RUN_TIMEOUT_MS = 30 * 60_000;

interface Run {
  name: string;
  command: string;
  args: string[];
  cwd: string;
}

interface Counts {
  pass: number;
  fail: number;
  skipped: number;
}

interface Outcome extends Counts {
  run: Run;
  summaries: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  postgresSkipped: boolean;
  seconds: number;
}

/** The workspaces (root `workspaces` globs of the form `dir/*`) that have a test script, by path. */
function workspaceRuns(): Run[] {
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { workspaces?: string[] };
  const runs: Run[] = [];
  for (const pattern of root.workspaces ?? []) {
    const dir = pattern.replace(/\/\*$/, "");
    for (const name of readdirSync(join(ROOT, dir)).sort()) {
      const cwd = join(ROOT, dir, name);
      let manifest: { scripts?: Record<string, string> };
      try {
        manifest = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8")) as typeof manifest;
      } catch {
        continue; // not a package folder
      }
      if (manifest.scripts?.test !== undefined) {
        runs.push({ name: `${dir}/${name}`, command: "npm", args: ["test"], cwd });
      }
    }
  }
  return runs;
}

const SUMMARY_LINE = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(?:\.\d+)?)$/;

/** Reads node:test TAP closing blocks out of a stream of lines; counts only complete blocks. */
class SummaryReader {
  readonly counts: Counts = { pass: 0, fail: 0, skipped: 0 };
  summaries = 0;
  postgresSkipped = false;
  private block: Map<string, number> | null = null;

  line(text: string): void {
    if (text.includes("PostgreSQL tests SKIPPED")) this.postgresSkipped = true;
    const match = SUMMARY_LINE.exec(text);
    if (match === null) {
      this.block = null;
      return;
    }
    const [, key = "", value = "0"] = match;
    if (key === "tests") this.block = new Map();
    if (this.block === null) return;
    this.block.set(key, Number(value));
    if (key !== "duration_ms") return;
    const get = (k: string) => this.block?.get(k) ?? 0;
    this.counts.pass += get("pass");
    this.counts.fail += get("fail") + get("cancelled");
    this.counts.skipped += get("skipped") + get("todo");
    this.summaries += 1;
    this.block = null;
  }
}

function execute(run: Run): Promise<Outcome> {
  const started = Date.now();
  const reader = new SummaryReader();
  process.stdout.write(`\n# ${run.name}: ${[run.command, ...run.args].join(" ")}\n`);
  return new Promise((resolve) => {
    const child = spawn(run.command, run.args, { cwd: run.cwd, stdio: ["ignore", "pipe", "inherit"] });
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) reader.line(line.replace(/\r$/, ""));
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    }, RUN_TIMEOUT_MS);
    child.once("close", (exitCode, signal) => {
      clearTimeout(timer);
      if (pending !== "") reader.line(pending);
      resolve({
        run,
        ...reader.counts,
        summaries: reader.summaries,
        exitCode,
        signal,
        timedOut,
        postgresSkipped: reader.postgresSkipped,
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

/** Why a run counts one failure beyond its tests' own, or null if its counts say it all. */
function unreportedFailure(o: Outcome): string | null {
  if (o.timedOut) return `stopped after ${RUN_TIMEOUT_MS / 60_000} min`;
  if (o.exitCode !== 0 && o.fail === 0) {
    return `exited with ${o.signal ?? `code ${o.exitCode}`} without a failing test (a crash, a failed hook or a required pass that did not run; see its output above)`;
  }
  if (o.summaries === 0) return "reported no tests";
  return null;
}

const nodeTest = (name: string, file: string): Run => ({
  name,
  command: process.execPath,
  args: ["--import", "tsx", "--test", file],
  cwd: ROOT,
});
const all = [
  ...workspaceRuns(),
  nodeTest("packages", "scripts/check-packages.test.ts"),
  // About 2 minutes (a clone and `npm ci`, mostly compiling better-sqlite3): .ci/run turns it on.
  ...(process.env.OPENQOD_TEST_FRESH_CLONE === "1"
    ? [nodeTest("fresh-clone", "scripts/fresh-clone.test.ts")]
    : []),
];
// `npm run test:unit -- packages/sdk packages` runs only the runs named.
const only = process.argv.slice(2);
const runs = only.length === 0 ? all : all.filter((r) => only.includes(r.name));
if (runs.length === 0) {
  process.stderr.write(`no such test run: ${only.join(" ")} (runs: ${all.map((r) => r.name).join(", ")})\n`);
  process.exit(2);
}
const outcomes: Outcome[] = [];
for (const run of runs) outcomes.push(await execute(run));

const total: Counts = { pass: 0, fail: 0, skipped: 0 };
process.stdout.write("\n# all test runs\n");
for (const o of outcomes) {
  const extra = unreportedFailure(o);
  total.pass += o.pass;
  total.fail += o.fail + (extra === null ? 0 : 1);
  total.skipped += o.skipped;
  const notes = [
    o.postgresSkipped ? "PostgreSQL pass SKIPPED" : "",
    extra === null ? "" : `FAILED: ${extra}`,
  ].filter((n) => n !== "");
  process.stdout.write(
    `#   ${o.run.name}: ${o.pass} pass, ${o.fail} fail, ${o.skipped} skipped in ${o.seconds.toFixed(1)} s` +
      `${notes.length > 0 ? ` — ${notes.join("; ")}` : ""}\n`,
  );
}
process.stdout.write(
  `${total.pass} passed, ${total.fail} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ""}\n`,
);
process.exitCode = total.fail > 0 ? 1 : 0;
