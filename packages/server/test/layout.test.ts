import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** The module specifiers a file imports or re-exports (static and dynamic). */
function importsOf(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const found = [...text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1] ?? "");
  return found.filter((s) => s !== "");
}

/** The top folder of src/ a relative import lands in ("" for a file at the root of src/). */
function landsIn(file: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  const target = relative(SRC, join(file, "..", specifier));
  return target.includes("/") ? (target.split("/")[0] ?? "") : "";
}

/**
 * Dependencies point inward: the domain is pure rules; the service knows no HTTP; the store, delivery and
 * the scheduler know neither HTTP nor the service's callers. Values are the folders (and packages) each
 * folder must not import.
 */
const FORBIDDEN: Record<string, { folders: string[]; packages: RegExp }> = {
  // The wire schemas: TypeBox only, so the domain, the routes and the catalogue loader can share them.
  wire: {
    folders: ["http", "store", "delivery", "service", "scheduler", "network", "domain"],
    packages: /^(fastify|@fastify\/|kysely|pg|better-sqlite3|undici|prom-client)/,
  },
  // The TS 29.122 wire schemas: TypeBox only, shared by the NEF adapter and the NEF emulator.
  nef: {
    // "" is a file at the root of src/ (clock.ts, errors.ts, …): nothing of the server at all.
    folders: [
      "",
      "http",
      "store",
      "delivery",
      "service",
      "scheduler",
      "network",
      "domain",
      "wire",
      "nef-emulator",
    ],
    packages: /^(?!@sinclair\/typebox(\/|$)|\.)/,
  },
  // The NEF emulator stands apart from the server: it may use the TS 29.122 schemas and the clock.
  "nef-emulator": {
    folders: ["http", "store", "service", "delivery", "scheduler", "network", "domain", "wire"],
    packages: /^(kysely|pg|better-sqlite3|prom-client)/,
  },
  // The lab network (namespaces, veths, the reaper) stands apart from the server: Node's own modules only.
  lab: {
    folders: [
      "",
      "http",
      "store",
      "delivery",
      "service",
      "scheduler",
      "network",
      "domain",
      "wire",
      "nef",
      "auth",
    ],
    packages: /^(?!node:|\.)/,
  },
  domain: {
    folders: ["http", "store", "delivery", "service", "scheduler", "network"],
    packages: /^(fastify|@fastify\/|kysely|pg|better-sqlite3|undici|prom-client)/,
  },
  service: { folders: ["http"], packages: /^(fastify|@fastify\/)/ },
  // Credentials, tokens and the authorization server's rules: no HTTP framework, no sessions.
  auth: {
    folders: ["http", "service", "delivery", "scheduler", "network"],
    packages: /^(fastify|@fastify\/)/,
  },
  store: { folders: ["http", "service", "delivery", "scheduler"], packages: /^(fastify|@fastify\/)/ },
  delivery: { folders: ["http", "service", "scheduler"], packages: /^(fastify|@fastify\/)/ },
  scheduler: { folders: ["http"], packages: /^(fastify|@fastify\/)/ },
  network: {
    folders: ["http", "store", "service", "delivery", "scheduler"],
    packages: /^(fastify|@fastify\/)/,
  },
};

describe("the server's layout", () => {
  test("dependencies point inward (domain imports nothing of http, store, delivery, …)", () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const folder = relative(SRC, file).split("/")[0] ?? "";
      const rule = FORBIDDEN[folder];
      if (rule === undefined) continue;
      for (const specifier of importsOf(file)) {
        const target = landsIn(file, specifier);
        if ((target !== null && rule.folders.includes(target)) || rule.packages.test(specifier)) {
          violations.push(`${relative(SRC, file)} imports ${specifier}`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  test("no source file over 300 lines without a reason stated at its top", () => {
    const long = sourceFiles(SRC)
      .map((file) => ({ file, text: readFileSync(file, "utf8") }))
      .filter(({ text }) => text.split("\n").length > 300)
      .filter(({ text }) => !/over 300 lines/i.test(text.split("\n").slice(0, 20).join("\n")))
      .map(({ file, text }) => `${relative(SRC, file)} (${text.split("\n").length} lines)`);
    assert.deepEqual(long, []);
  });
});
