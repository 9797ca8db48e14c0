import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

/**
 * The interactive API reference at /docs: Swagger UI over the served OpenAPI document (/docs/json is
 * /openapi.json), its assets served from the package, nothing from a CDN.
 *
 * Its copy of the document names this server by the relative URL `/`, so "Try it out" calls the origin
 * the browser already talks to, whatever the configured public URL: no CORS, nothing the policy below
 * would block.
 *
 * The content security policy holds the browser to that: scripts, styles, fonts, images and requests
 * only from this server (and inline `data:`), so no asset or spec validator is fetched elsewhere.
 */
export async function installApiReference(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    theme: { title: "OpenQoD API reference" },
    uiConfig: {
      deepLinking: true,
      // Shows each schema's `x-expected`: what a field must be, in the words errors use.
      showExtensions: true,
      displayRequestDuration: true,
      tryItOutEnabled: false,
    },
    // Swagger UI's default: no badge from validator.swagger.io.
    validatorUrl: false,
    transformSpecification: (spec) => ({
      ...spec,
      servers: [{ url: "/", description: "This server, as your browser reaches it" }],
    }),
    staticCSP: true,
    transformStaticCSP: (header) =>
      `${header
        .replaceAll(" https:", "")
        .replaceAll(" validator.swagger.io", "")
        .replace(/\s*upgrade-insecure-requests;?/, "")
        .trim()} connect-src 'self';`,
  });
}
