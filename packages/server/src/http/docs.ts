import type { TSchema } from "@sinclair/typebox";
import { ERRORS, type ErrorCode } from "../errors.ts";
import { ErrorInfo } from "./schemas.ts";

/**
 * Builders for the OpenAPI document's prose and examples, shared by every route file. Fastify takes
 * the schemas for validation and serialization; @fastify/swagger moves `x-examples` to the media type
 * and `x-response-description` to the response, so what a route validates is what it documents.
 *
 *   schema: {
 *     summary: "…", description: "…", operationId: "…", tags: ["QoS Sessions"],
 *     body: withExamples(CreateSession, { minimal: { summary: "…", value: {…} } }),
 *     response: {
 *       201: success(SessionInfo, "The session", { created: { summary: "…", value: {…} } }),
 *       ...errors(INVALID_INPUT, NO_KEY, "CONFLICT"),
 *     },
 *   }
 *
 * test/openapi.test.ts walks the served document and fails for an operation without these, and
 * sends every request example to the server.
 */

/** One named example: shown in /docs. */
export interface Example {
  summary: string;
  description?: string;
  value: unknown;
}

/** A request body schema with its examples (ajv ignores the `x-examples` keyword, app.ts says so). */
export function withExamples<T extends TSchema>(schema: T, examples: Record<string, Example>): T {
  return { ...schema, "x-examples": examples };
}

/** A success response: its schema, what it is, and examples. */
export function success<T extends TSchema>(
  schema: T,
  description: string,
  examples: Record<string, Example>,
): T {
  return { ...schema, "x-response-description": description, "x-examples": examples };
}

/** An error example: a code with the registry's message, or a code and the message a case gives. */
export type ErrorExample = ErrorCode | { code: ErrorCode; message: string; summary?: string };

const STATUS_WORDS: Record<number, string> = {
  400: "The request is not valid",
  401: "No valid API key",
  403: "Not this client's resource",
  404: "Not found",
  405: "Method not allowed on this path",
  409: "Conflicts with the resource's state",
  413: "The body is larger than 64 KiB",
  415: "The body is not JSON",
  422: "Valid, but cannot be served for this device or profile",
  429: "Too many requests",
  500: "Server error",
  503: "Unavailable",
};

/**
 * Error responses, grouped by the status the registry gives each code, each example a CAMARA
 * `{status, code, message}`: `...errors("INVALID_ARGUMENT", { code: "CONFLICT", message: "…" })`.
 */
export function errors(...examples: ErrorExample[]): Record<number, TSchema> {
  const byStatus = new Map<number, Record<string, Example>>();
  // An operation that takes a body (its errors name the 415) can also be refused one that is too large.
  const withBody = examples.includes(NOT_JSON) ? [...examples, TOO_LARGE] : examples;
  // Every authenticated operation is under the per-client rate limit (http/rate-limits.ts).
  const all = withBody.includes(NO_KEY) ? [...withBody, RATE_LIMITED] : withBody;
  for (const example of all) {
    const { code, message, summary } =
      typeof example === "string"
        ? { code: example, message: ERRORS[example].message, summary: undefined }
        : example;
    const status = ERRORS[code].status;
    const named = byStatus.get(status) ?? {};
    let name: string = code;
    for (let n = 2; name in named; n++) name = `${code} (${n})`;
    named[name] = { summary: summary ?? code, value: { status, code, message } };
    byStatus.set(status, named);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, named]) => [
      status,
      { ...ErrorInfo, "x-response-description": STATUS_WORDS[status] ?? "Error", "x-examples": named },
    ]),
  );
}

/** The 401 of every authenticated operation, with the message requireAuth gives. */
export const NO_KEY: ErrorExample = {
  code: "UNAUTHENTICATED",
  message:
    "Request not authenticated due to missing, invalid, or expired credentials: send Authorization: Bearer <API key>.",
};

/** The 429 of every authenticated operation, added by `errors` wherever NO_KEY is. */
const RATE_LIMITED: ErrorExample = {
  code: "TOO_MANY_REQUESTS",
  message: "This client is over its rate limit of 100 requests a second (bursts of 200). Try again in 1 s.",
};

/** The 403 of an operation on a session another client created. */
export const NOT_YOURS: ErrorExample = {
  code: "PERMISSION_DENIED",
  message: "This session belongs to another API client.",
};

/** The 404 of an operation on a session id nobody has. */
export const NO_SESSION: ErrorExample = { code: "NOT_FOUND", message: "The specified session is not found." };

/** The 400 of a path with a session id that is not a UUID. */
export const BAD_SESSION_ID: ErrorExample = {
  code: "INVALID_ARGUMENT",
  summary: "sessionId is not a UUID",
  message: "sessionId must be a UUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6",
};

/** The 415 of every operation with a body. */
export const NOT_JSON: ErrorExample = "UNSUPPORTED_MEDIA_TYPE";

/** The 413 of every operation with a body, added by `errors` wherever NOT_JSON is. */
const TOO_LARGE: ErrorExample = "CONTENT_TOO_LARGE";

/** The tags of the document, each with what its operations are for; a route's `tags` name one of these. */
export const TAGS = [
  {
    name: "QoS Sessions",
    description:
      "CAMARA Quality-On-Demand 1.1.0: ask the network for a QoS profile on one flow between a device and an application server, for a while, and be notified when it starts and ends.",
  },
  {
    name: "QoS Profiles",
    description:
      "CAMARA QoS Profiles 1.1.0: the profiles this network offers (latency, throughput, duration limits), optionally for one device.",
  },
  {
    name: "QoS Sessions (Network as Code v0)",
    description:
      "The same sessions in the dialect of Nokia Network as Code (CAMARA QoD v0.10 bodies): a `webhook` instead of `sink`, times in Unix seconds, `duration` optional.",
  },
  {
    name: "Notifications",
    description: "OpenQoD's own API for the notifications of the caller's sessions (CAMARA has none).",
  },
  {
    name: "OAuth 2.0",
    description:
      "The built-in authorization server: discovery, the JWKS of its token signing keys, and the token endpoint (client credentials; JWT access tokens with per-operation scopes).",
  },
  {
    name: "Administration",
    description:
      "Operators' work on the server (scope openqod:operator): the API clients, as `openqod clients` does.",
  },
  {
    name: "Sandbox",
    description:
      "Simulator controls, only in a sandbox: make the network do what a real network does on its own.",
  },
];
