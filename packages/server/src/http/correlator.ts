import type { FastifyInstance } from "fastify";
import { ApiError } from "../errors.ts";
import { XCorrelatorPattern } from "./schemas.ts";

const pattern = new RegExp(XCorrelatorPattern);

/** The `x-correlator` value to echo, or undefined when there is none or it breaks the spec's pattern. */
export function usableCorrelator(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" && pattern.test(value) ? value : undefined;
}

/**
 * `x-correlator`: echoed on every response, errors included. A value breaking the spec's pattern is a
 * 400 and is not echoed (it could carry header injection or log noise).
 */
export function installCorrelator(app: FastifyInstance): void {
  app.addHook("onRequest", async (request, reply) => {
    const value = request.headers["x-correlator"];
    if (value === undefined) return;
    if (Array.isArray(value) || !pattern.test(value)) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        "x-correlator must be at most 256 characters: letters, digits and - _ : ; . / < > { }",
      );
    }
    reply.header("x-correlator", value);
  });
}
