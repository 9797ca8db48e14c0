/**
 * A new user's first minutes: `git clone` of this repository's HEAD into a temp folder, `npm ci` and
 * nothing else, then `npx openqod --help` and `npx openqod demo` there. Proves the root `prepare` script
 * builds every dist/ on install. Slow (about 2 minutes here, mostly compiling better-sqlite3), so
 * `npm test` runs it only with OPENQOD_TEST_FRESH_CLONE=1, which .ci/run sets.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { fileURLToPath } from "node:url";
import { describeRun, run } from "./process.ts";
import { steps } from "./steps.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Each package's built entry point; none is committed. */
const BUILT = [
  "packages/sdk/dist/index.js",
  "packages/receiver/dist/index.js",
  "packages/server/dist/index.js",
  "packages/cli/dist/main.js",
];

describe("a fresh clone after only `npm ci`", () => {
  let work: string;
  let clone: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), "openqod-fresh-clone-"));
    clone = join(work, "openqod");
  });
  after(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });
  const step = steps("fresh-clone check");

  step("git clone of HEAD has no dist/", async () => {
    const ran = await run("git", ["clone", "--quiet", "--no-hardlinks", ROOT, clone], {
      cwd: work,
      timeoutMs: 120_000,
    });
    assert.equal(ran.code, 0, describeRun("git clone", ran));
    for (const file of BUILT) assert.equal(existsSync(join(clone, file)), false, `${file} is committed`);
  });

  step("npm ci installs and, through the root prepare script, builds every package's dist/", async () => {
    const ran = await run("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], {
      cwd: clone,
      timeoutMs: 8 * 60_000,
    });
    assert.equal(ran.code, 0, describeRun("npm ci", ran));
    for (const file of BUILT) assert.ok(existsSync(join(clone, file)), `npm ci built no ${file}`);
  });

  step("npx openqod --help exits 0 and lists the commands", async () => {
    const ran = await run("npx", ["--no-install", "openqod", "--help"], {
      cwd: clone,
      env: { NO_COLOR: "1" },
      timeoutMs: 60_000,
    });
    assert.equal(ran.code, 0, describeRun("npx openqod --help", ran));
    assert.match(ran.stdout, /^Usage: openqod /m);
    assert.match(ran.stdout, /^ {2}demo\b/m);
  });

  step("npx openqod demo runs the seed's flow against an in-process sandbox and exits 0", async () => {
    const ran = await run("npx", ["--no-install", "openqod", "demo"], {
      cwd: clone,
      env: { NO_COLOR: "1" },
      timeoutMs: 120_000,
    });
    assert.equal(ran.code, 0, describeRun("npx openqod demo", ran));
  });
});
