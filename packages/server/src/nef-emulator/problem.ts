import type { InvalidParam, ProblemDetails } from "../nef/wire.ts";

/**
 * The causes the emulator answers with. TS 29.122 (clause 5.2.6) takes its protocol errors from
 * TS 29.500 (Table 5.2.7.2-1); PDU_SESSION_NOT_AVAILABLE is TS 29.514's (Table 5.7.3-1), which a NEF
 * relays when the PCF cannot bind the UE's address to a PDU session: an unknown or detached UE.
 */
export type EmulatorCause =
  | "INVALID_MSG_FORMAT"
  | "MANDATORY_IE_MISSING"
  | "MODIFICATION_NOT_ALLOWED"
  | "RESOURCE_URI_STRUCTURE_NOT_FOUND"
  | "CONTEXT_NOT_FOUND"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "PDU_SESSION_NOT_AVAILABLE"
  | "NF_CONGESTION";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** A NEF error answer: thrown by a route, rendered as `application/problem+json` by the error handler. */
export class NefProblem extends Error {
  readonly status: number;
  readonly body: ProblemDetails;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    detail: string,
    extra: { cause?: string; invalidParams?: InvalidParam[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.status = status;
    this.headers = extra.headers ?? {};
    this.body = {
      title: TITLES[status] ?? "Error",
      status,
      detail,
      ...(extra.cause === undefined ? {} : { cause: extra.cause }),
      ...(extra.invalidParams === undefined || extra.invalidParams.length === 0
        ? {}
        : { invalidParams: extra.invalidParams }),
    };
  }
}

/** A 400 for the parameters listed; the cause says whether something is missing or malformed. */
export function invalidParams(invalid: InvalidParam[], cause: EmulatorCause): NefProblem {
  const detail = invalid.map((p) => `${p.param}: ${p.reason ?? "invalid"}`).join("; ");
  return new NefProblem(400, detail, { cause, invalidParams: invalid });
}
