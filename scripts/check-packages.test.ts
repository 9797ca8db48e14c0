/**
 * The packages as a user gets them: `npm pack` of @openqod/sdk, receiver, dashboard, server and cli, installed from
 * the tarballs into a throwaway app outside the repository, then used there — an ESM import of the SDK
 * and the receiver, a TypeScript file type-checked against the installed types, `openqod --help` and
 * `openqod demo` from the installed bin. Each step is one test; after a failed step the rest are skipped.
 *
 * Third-party dependencies come from the npm cache (`--prefer-offline`). Install scripts are skipped and
 * better-sqlite3's native addon is copied from the repository's own install (same version, same Node):
 * compiling it again costs about 2 minutes here, and `npm ci` of the repository already proves it builds.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe } from "node:test";
import { fileURLToPath } from "node:url";
import { describeRun, run } from "./process.ts";
import { steps } from "./steps.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGES = ["sdk", "receiver", "dashboard", "server", "cli"] as const;
type PackageDir = (typeof PACKAGES)[number];

/** What each tarball must hold (besides package.json), and nothing of src/ or test/. */
const REQUIRED_FILES: Record<PackageDir, string[]> = {
  sdk: ["dist/index.js", "dist/index.d.ts"],
  receiver: ["dist/index.js", "dist/index.d.ts"],
  // The server serves the built dashboard from its package: the page must be in the tarball.
  dashboard: ["index.js", "index.d.ts", "dist/index.html"],
  server: ["dist/index.js", "dist/index.d.ts", "dist/store/migrations.js"],
  cli: ["bin/openqod.js", "dist/main.js"],
};

interface Manifest {
  name: string;
  version: string;
}

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, "utf8")) as T;
const tarballName = (m: Manifest) => `${m.name.replace(/^@/, "").replace("/", "-")}-${m.version}.tgz`;

const APP_MJS = `import { createServer } from "node:http";
import { NetworkAsCodeClient, NotFoundError } from "@openqod/sdk";
import { parseNotification } from "@openqod/receiver";

const api = createServer((request, response) => {
  const found = request.url === "/qos-profiles/v1/qos-profiles/QOS_L";
  response.writeHead(found ? 200 : 404, { "content-type": "application/json" });
  response.end(JSON.stringify(found ? { name: "QOS_L", status: "ACTIVE" } : { status: 404, code: "NOT_FOUND", message: "no such profile" }));
});
await new Promise((resolve) => api.listen(0, "127.0.0.1", resolve));
const client = new NetworkAsCodeClient({ token: "pack-check", baseUrl: \`http://127.0.0.1:\${api.address().port}\`, maxRetries: 0 });
const profile = await client.qosProfiles.get("QOS_L");
const missing = await client.qosProfiles.get("NOPE").catch((error) => (error instanceof NotFoundError ? error.code : String(error)));
api.close();

const parsed = parseNotification(
  JSON.stringify({
    specversion: "1.0",
    id: "event-1",
    source: "https://openqod.example/quality-on-demand/v1",
    type: "org.camaraproject.quality-on-demand.v1.qos-status-changed",
    time: "2026-01-01T00:00:00Z",
    datacontenttype: "application/json",
    data: { sessionId: "session-1", qosStatus: "AVAILABLE" },
  }),
  "application/cloudevents+json",
);
const event = parsed.kind === "event" ? [parsed.event.sessionId, parsed.event.qosStatus, parsed.event.format] : parsed;
console.log(JSON.stringify({ profile: profile.name, missing, event }));
`;

// The emulator through the server's subpath export, as \`openqod nef-emulator\` loads it.
const NEF_MJS = `import { NefEmulator } from "@openqod/server/nef-emulator";
const nef = new NefEmulator({ tokens: ["pack-check"] });
const apiRoot = await nef.start();
const answer = await fetch(nef.subscriptionsUrl(), { headers: { authorization: "Bearer pack-check" } });
console.log(JSON.stringify({ local: apiRoot.startsWith("http://127.0.0.1:"), status: answer.status, body: await answer.json() }));
await nef.close();
`;

// The lab through its subpath export, as \`openqod lab\` loads it (nothing built: the names and the check).
const LAB_MJS = `import { DEFAULT_LAB_PREFIX, labNamespaces, labSupport } from "@openqod/server/lab";
const answer = labSupport({ isRoot: () => false, run: () => null });
console.log(JSON.stringify({ names: labNamespaces(DEFAULT_LAB_PREFIX), notRoot: answer.startsWith("the lab needs root") }));
`;

const CHECK_TS = `import { NetworkAsCodeClient, type QodSession, ValidationError } from "@openqod/sdk";
import { createReceiver, type QodEvent } from "@openqod/receiver";
import { createOpenQod, loadConfig, type OpenQod } from "@openqod/server";

const client = new NetworkAsCodeClient({ token: "pack-check" });
const device = client.devices.get({ phoneNumber: "+36721601234567" });
export const sessions: Promise<QodSession[]> = device.sessions();
export const receiver = createReceiver({
  tokens: ["pack-check"],
  onEvent: (event: QodEvent) => {
    const status: "AVAILABLE" | "UNAVAILABLE" | "REQUESTED" = event.qosStatus;
    console.log(event.sessionId, status);
  },
});
export const start: (options: Parameters<typeof createOpenQod>[0]) => Promise<OpenQod> = createOpenQod;
export const config = loadConfig;
export const isValidation = (error: unknown): error is ValidationError => error instanceof ValidationError;
// The declarations are real types, not \`any\`: an unknown option and a wrong status are errors.
// @ts-expect-error no such option
export const wrong = new NetworkAsCodeClient({ token: "pack-check", colour: "blue" });
// @ts-expect-error not a QoD status
export const status: QodEvent["qosStatus"] = "GRANTED";
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    types: ["node"],
  },
  files: ["check.ts"],
};

describe("the packed packages, installed into an app outside the repository", () => {
  let work: string;
  let packs: string;
  let app: string;
  const tarballs: string[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "openqod-pack-check-"));
    assert.ok(relative(ROOT, work).startsWith(".."), `the temp folder ${work} is inside the repository`);
    packs = join(work, "tarballs");
    app = join(work, "app");
    await mkdir(packs);
    await mkdir(app);
  });
  after(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  const step = steps("pack-and-install check");

  step("npm pack builds each package into a tarball with its dist/ (and the CLI's bin/)", async () => {
    const ran = await run(
      "npm",
      ["pack", ...PACKAGES.flatMap((p) => ["--workspace", `packages/${p}`]), "--pack-destination", packs],
      { cwd: ROOT, timeoutMs: 5 * 60_000 },
    );
    assert.equal(ran.code, 0, describeRun("npm pack", ran));
    for (const dir of PACKAGES) {
      const manifest = await readJson<Manifest>(join(ROOT, "packages", dir, "package.json"));
      const tarball = join(packs, tarballName(manifest));
      const listing = await run("tar", ["-tzf", tarball], { cwd: packs, timeoutMs: 30_000 });
      assert.equal(listing.code, 0, describeRun(`tar -tzf ${tarball}`, listing));
      const files = listing.stdout.split("\n").filter((f) => f !== "");
      for (const file of ["package/package.json", ...REQUIRED_FILES[dir].map((f) => `package/${f}`)]) {
        assert.ok(
          files.includes(file),
          `${manifest.name}'s tarball lacks ${file}; it has:\n${files.join("\n")}`,
        );
      }
      const sources = files.filter((f) => /^package\/(src|test)\//.test(f));
      assert.deepEqual(sources, [], `${manifest.name}'s tarball ships sources or tests`);
      tarballs.push(tarball);
    }
  });

  step("npm install of the tarballs takes every @openqod package from them", async () => {
    const typesNode = await readJson<Manifest>(join(ROOT, "node_modules/@types/node/package.json"));
    await writeFile(
      join(app, "package.json"),
      `${JSON.stringify({ name: "openqod-pack-check-app", private: true, type: "module" }, null, 2)}\n`,
    );
    const ran = await run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--ignore-scripts",
        ...tarballs,
        `@types/node@${typesNode.version}`,
      ],
      { cwd: app, timeoutMs: 5 * 60_000 },
    );
    assert.equal(ran.code, 0, describeRun("npm install", ran));
    const lock = await readJson<{ packages: Record<string, { resolved?: string }> }>(
      join(app, "package-lock.json"),
    );
    for (const dir of PACKAGES) {
      const { name } = await readJson<Manifest>(join(ROOT, "packages", dir, "package.json"));
      const entries = Object.entries(lock.packages).filter(([path]) => path.endsWith(`node_modules/${name}`));
      assert.ok(entries.length > 0, `${name} is not installed`);
      for (const [path, entry] of entries) {
        assert.match(entry.resolved ?? "", /^file:.*\.tgz$/, `${path} does not come from its tarball`);
      }
    }
    const wanted = await readJson<Manifest>(join(ROOT, "node_modules/better-sqlite3/package.json"));
    const got = await readJson<Manifest>(join(app, "node_modules/better-sqlite3/package.json"));
    assert.equal(
      got.version,
      wanted.version,
      "better-sqlite3 differs from the repository's; cannot reuse its addon",
    );
    const addon = "node_modules/better-sqlite3/build/Release/better_sqlite3.node";
    await mkdir(join(app, "node_modules/better-sqlite3/build/Release"), { recursive: true });
    await copyFile(join(ROOT, addon), join(app, addon));
  });

  step("an ESM app imports @openqod/sdk and @openqod/receiver and uses them", async () => {
    await writeFile(join(app, "app.mjs"), APP_MJS);
    const ran = await run(process.execPath, ["app.mjs"], { cwd: app, timeoutMs: 60_000 });
    assert.equal(ran.code, 0, describeRun("node app.mjs", ran));
    assert.deepEqual(JSON.parse(ran.stdout), {
      profile: "QOS_L",
      missing: "NOT_FOUND",
      event: ["session-1", "AVAILABLE", "cloudevent"],
    });
  });

  step("a TypeScript file type-checks against the installed declarations (module NodeNext)", async () => {
    await writeFile(join(app, "check.ts"), CHECK_TS);
    await writeFile(join(app, "tsconfig.json"), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const ran = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: app, timeoutMs: 120_000 });
    assert.equal(ran.code, 0, describeRun("tsc --noEmit", ran));
  });

  step("the installed `openqod --help` exits 0 and lists the commands", async () => {
    const ran = await run(join(app, "node_modules/.bin/openqod"), ["--help"], {
      cwd: app,
      env: { NO_COLOR: "1" },
      timeoutMs: 60_000,
    });
    assert.equal(ran.code, 0, describeRun("openqod --help", ran));
    assert.match(ran.stdout, /^Usage: openqod /m);
    for (const command of ["serve", "demo", "sessions", "profiles", "listen", "nef-emulator", "lab"]) {
      assert.match(ran.stdout, new RegExp(`^ {2}${command}\\b`, "m"), `--help does not list ${command}`);
    }
  });

  step("an ESM app runs the NEF emulator from @openqod/server/nef-emulator", async () => {
    await writeFile(join(app, "nef.mjs"), NEF_MJS);
    const ran = await run(process.execPath, ["nef.mjs"], { cwd: app, timeoutMs: 60_000 });
    assert.equal(ran.code, 0, describeRun("node nef.mjs", ran));
    assert.deepEqual(JSON.parse(ran.stdout), { local: true, status: 200, body: [] });
  });

  step("an ESM app finds the lab at @openqod/server/lab", async () => {
    await writeFile(join(app, "lab.mjs"), LAB_MJS);
    const ran = await run(process.execPath, ["lab.mjs"], { cwd: app, timeoutMs: 60_000 });
    assert.equal(ran.code, 0, describeRun("node lab.mjs", ran));
    assert.deepEqual(JSON.parse(ran.stdout), {
      names: { device: "oqlab-device", router: "oqlab-router", server: "oqlab-server" },
      notRoot: true,
    });
  });

  step("the installed `openqod demo` runs the whole flow against its in-process sandbox", async () => {
    const ran = await run(join(app, "node_modules/.bin/openqod"), ["demo"], {
      cwd: app,
      env: { NO_COLOR: "1" },
      timeoutMs: 120_000,
    });
    assert.equal(ran.code, 0, describeRun("openqod demo", ran));
  });
});
