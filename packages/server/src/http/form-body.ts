import type { FastifyInstance } from "fastify";
import { OAuthError } from "../auth/oauth-error.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The form parameters of an application/x-www-form-urlencoded body (the OAuth endpoints'). */
    form?: URLSearchParams;
  }
}

/**
 * Parses `application/x-www-form-urlencoded` bodies, the only kind the OAuth endpoints take (RFC 6749
 * §3.2), into `request.form` (the body itself stays undefined, so no JSON schema sees it). Install it in
 * the OAuth routes' own plugin scope: every other API speaks JSON only. A parameter sent twice is an
 * `invalid_request` (RFC 6749 §3.1).
 */
export function installFormParser(app: FastifyInstance): void {
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (request, body, done) => {
      const form = new URLSearchParams(body.toString());
      const seen = new Set<string>();
      for (const name of form.keys()) {
        if (seen.has(name)) {
          done(new OAuthError("invalid_request", `the parameter ${name} is sent more than once`), undefined);
          return;
        }
        seen.add(name);
      }
      request.form = form;
      done(null, undefined);
    },
  );
}
