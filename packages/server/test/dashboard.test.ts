import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { dashboardDist } from "@openqod/dashboard";
import Fastify from "fastify";
import { dashboardRoutes } from "../src/http/dashboard.ts";
import { installErrorHandling } from "../src/http/error-handler.ts";
import { createHarness } from "./helpers/harness.ts";

/** The dashboard as the server serves it: the built page, its headers, and what happens without it. */
describe("the dashboard at /dashboard/", () => {
  test("/dashboard redirects to /dashboard/, whose page is never cached and runs under a strict CSP", async () => {
    const h = await createHarness();
    try {
      const bare = await h.openqod.app.inject({ method: "GET", url: "/dashboard" });
      assert.equal(bare.statusCode, 301);
      assert.equal(bare.headers.location, "/dashboard/");
      const page = await h.openqod.app.inject({ method: "GET", url: "/dashboard/" });
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers["content-type"]), /^text\/html/);
      assert.equal(page.headers["cache-control"], "no-cache");
      const csp = String(page.headers["content-security-policy"]);
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
      ]) {
        assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
      }
      assert.equal(page.headers["x-content-type-options"], "nosniff");
      // Nothing from another origin: every script and stylesheet is the server's own.
      const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
      assert.ok(sources.length >= 2, page.body);
      for (const source of sources) assert.match(source, /^\/dashboard\/assets\//);
      const script = sources.find((s) => s.endsWith(".js")) ?? "";
      const asset = await h.openqod.app.inject({ method: "GET", url: script });
      assert.equal(asset.statusCode, 200);
      assert.equal(asset.headers["cache-control"], "public, max-age=31536000, immutable");
      const unknown = await h.openqod.app.inject({ method: "GET", url: "/dashboard/assets/nope.js" });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, "NOT_FOUND");
    } finally {
      await h.close();
    }
  });

  test("without a build it answers 503 and says how to build it", async () => {
    const empty = await mkdtemp(join(tmpdir(), "openqod-no-dashboard-"));
    const app = Fastify();
    installErrorHandling(app);
    await app.register(dashboardRoutes, { dist: empty });
    try {
      const json = await app.inject({
        method: "GET",
        url: "/dashboard/",
        headers: { accept: "application/json" },
      });
      assert.equal(json.statusCode, 503);
      assert.equal(json.json().code, "UNAVAILABLE");
      assert.match(json.json().message, /npm run build -w @openqod\/dashboard/);
      const html = await app.inject({ method: "GET", url: "/dashboard/", headers: { accept: "text/html" } });
      assert.equal(html.statusCode, 503);
      assert.match(html.body, /npm run build -w @openqod\/dashboard/);
    } finally {
      await app.close();
      await rm(empty, { recursive: true, force: true });
    }
  });

  test("the package names its build folder, which npm install built", async () => {
    assert.match(dashboardDist, /dashboard[/\\]dist[/\\]$/);
    const h = await createHarness();
    try {
      const page = await h.openqod.app.inject({ method: "GET", url: "/dashboard/index.html" });
      assert.equal(page.statusCode, 200);
    } finally {
      await h.close();
    }
  });
});
