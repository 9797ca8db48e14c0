import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { ApiError } from "../errors.ts";

export interface DashboardOptions {
  /** The built dashboard (packages/dashboard/dist): index.html and hashed assets. */
  dist: string;
}

/**
 * The dashboard's page may talk only to this server and load only its own code: nothing from a CDN, no
 * framing. uPlot sets inline styles, hence `style-src 'unsafe-inline'` (styles only, never scripts).
 */
const CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/**
 * The dashboard at /dashboard/: static files only, served by this server so `npm start` is all it
 * takes. Everything the page shows it reads through the public, authenticated APIs, like any client.
 * index.html is never cached (it names the current build's assets); the hashed assets are immutable.
 */
export const dashboardRoutes: FastifyPluginAsync<DashboardOptions> = async (app, { dist }) => {
  // Every answer of this plugin (and only of it: Fastify encapsulates the hook).
  app.addHook("onSend", async (_request, reply: FastifyReply) => {
    reply
      .header("content-security-policy", CSP)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer");
  });

  app.get("/dashboard", { schema: { hide: true } }, async (_request, reply) =>
    reply.redirect("/dashboard/", 301),
  );

  if (!existsSync(join(dist, "index.html"))) {
    // A clone whose install skipped the build: say how to build it instead of a bare 404.
    const missing =
      "The dashboard is not built: run `npm run build -w @openqod/dashboard` (npm install does it), then restart.";
    app.get("/dashboard/*", { schema: { hide: true } }, async (request, reply) => {
      if ((request.headers.accept ?? "").includes("text/html")) {
        return reply.code(503).type("text/plain; charset=utf-8").send(missing);
      }
      throw new ApiError("UNAVAILABLE", missing);
    });
    return;
  }

  await app.register(fastifyStatic, {
    root: dist,
    prefix: "/dashboard/",
    index: ["index.html"],
    wildcard: true,
    cacheControl: false,
    setHeaders: (res, path) => {
      const hashed = path.startsWith(join(dist, "assets"));
      res.setHeader("cache-control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
    },
    schemaHide: true,
  });
};
