import type { Context } from "./context.ts";
import { ValidationError } from "./errors.ts";

/**
 * The root of an OpenQoD server for its own APIs (notifications, sandbox), which CAMARA providers and
 * Network as Code do not have.
 * @throws ValidationError on another target, before anything is sent.
 */
export function openqodUrl(ctx: Context, what: string): string {
  if (ctx.openqodUrl === null) {
    throw new ValidationError(
      "target",
      `${what} is an OpenQoD extension; it needs target "openqod" (this client talks to another provider)`,
    );
  }
  return ctx.openqodUrl;
}
