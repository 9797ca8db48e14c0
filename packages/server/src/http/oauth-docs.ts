import { type TSchema, Type } from "@sinclair/typebox";
import type { OAuthErrorCode } from "../auth/oauth-error.ts";
import { ERRORS, type ErrorCode } from "../errors.ts";
import type { Example } from "./docs.ts";

/** The OpenAPI tag of the authorization server's routes (docs.ts TAGS names it). */
export const OAUTH_TAG = "OAuth 2.0";

/**
 * The body of an OAuth endpoint's error: RFC 6749's `error`/`error_description` and CAMARA's
 * `{status, code, message}` (auth/oauth-error.ts). As a response schema it is also what Fastify
 * serializes, so both shapes must be named here or they would be dropped.
 */
export const OAuthErrorInfo = Type.Object({
  error: Type.String({ description: "RFC 6749 §5.2 error code" }),
  error_description: Type.String(),
  status: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
});

/** An error example of an OAuth endpoint: the RFC 6749 code, the CAMARA code, and the words. */
export interface OAuthErrorExample {
  error: OAuthErrorCode;
  code: ErrorCode;
  message: string;
  summary: string;
}

/** Error responses by status, each example carrying both shapes. */
export function oauthErrors(...examples: OAuthErrorExample[]): Record<number, TSchema> {
  const byStatus = new Map<number, Record<string, Example>>();
  for (const { error, code, message, summary } of examples) {
    const status = ERRORS[code].status;
    const named = byStatus.get(status) ?? {};
    let name: string = error;
    for (let n = 2; name in named; n++) name = `${error} (${n})`;
    named[name] = { summary, value: { error, error_description: message, status, code, message } };
    byStatus.set(status, named);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, named]) => [
      status,
      { ...OAuthErrorInfo, "x-response-description": STATUS_WORDS[status] ?? "Error", "x-examples": named },
    ]),
  );
}

const STATUS_WORDS: Record<number, string> = {
  400: "The request is not a valid token request (RFC 6749 §5.2)",
  401: "The client did not authenticate",
  429: "Too many requests from this address, or failed authentications of this client",
};
