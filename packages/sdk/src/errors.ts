/**
 * Everything the SDK throws is an OpenQodError. API errors carry what the server said (status, CAMARA
 * `code`, message, the raw body and headers) and the `x-correlator` of the call, for support tickets.
 */
export class OpenQodError extends Error {
  override name = "OpenQodError";
}

/** Input that can be checked locally was wrong; no request was sent. */
export class ValidationError extends OpenQodError {
  override name = "ValidationError";
  /** The option at fault, e.g. "serviceIpv4" or "devicePorts.ranges[0]". */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** The request did not get an HTTP answer (refused, reset, DNS, TLS). */
export class APIConnectionError extends OpenQodError {
  override name = "APIConnectionError";
  readonly correlator: string | undefined;
  constructor(message: string, options: { cause?: unknown; correlator?: string | undefined } = {}) {
    super(message, { cause: options.cause });
    this.correlator = options.correlator;
  }
}

/** No answer within the timeout. */
export class APITimeoutError extends APIConnectionError {
  override name = "APITimeoutError";
}

export interface APIErrorInit {
  status: number;
  /** CAMARA error code, e.g. "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE"; "UNKNOWN" if the body had none. */
  code: string;
  message: string;
  /** The response body as received (parsed JSON when it was JSON, else text). */
  body: unknown;
  headers: Headers;
  correlator: string | undefined;
}

/** The server answered with an error status. Subclasses name the status; `code` says why. */
export class APIError extends OpenQodError {
  override name = "APIError";
  readonly status: number;
  readonly code: string;
  readonly body: unknown;
  readonly headers: Headers;
  readonly correlator: string | undefined;

  constructor(init: APIErrorInit) {
    super(`${init.status} ${init.code}: ${init.message}`);
    this.status = init.status;
    this.code = init.code;
    this.body = init.body;
    this.headers = init.headers;
    this.correlator = init.correlator;
  }

  /** The subclass for `init.status`. */
  static from(init: APIErrorInit): APIError {
    const Class = BY_STATUS[init.status] ?? (init.status >= 500 ? InternalServerError : APIError);
    return new Class(init);
  }
}

export class BadRequestError extends APIError {
  override name = "BadRequestError";
}
export class UnauthorizedError extends APIError {
  override name = "UnauthorizedError";
}
export class PermissionDeniedError extends APIError {
  override name = "PermissionDeniedError";
}
export class NotFoundError extends APIError {
  override name = "NotFoundError";
}
export class ConflictError extends APIError {
  override name = "ConflictError";
}
export class UnprocessableEntityError extends APIError {
  override name = "UnprocessableEntityError";
}
export class TooManyRequestsError extends APIError {
  override name = "TooManyRequestsError";
}
export class InternalServerError extends APIError {
  override name = "InternalServerError";
}

const BY_STATUS: Record<number, new (init: APIErrorInit) => APIError> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: TooManyRequestsError,
};

/**
 * The authorization server refused, or its answer was unusable: `error` is RFC 6749's code
 * (`invalid_client`, `invalid_scope`, CIBA's `access_denied` and `expired_token` …) when it sent one;
 * `code` is that code too, or `TOKEN_REQUEST_FAILED` / `DISCOVERY_FAILED` when it sent none.
 */
export class OAuthError extends APIError {
  override name = "OAuthError";
  readonly error: string | undefined;
  constructor(init: APIErrorInit & { error: string | undefined }) {
    super(init);
    this.error = init.error;
  }
}

/** Thrown by `device.clearSessions()` when some deletions failed; the others went through. */
export class ClearSessionsError extends OpenQodError {
  override name = "ClearSessionsError";
  readonly deleted: readonly string[];
  readonly failures: ReadonlyArray<{ sessionId: string; error: unknown }>;
  constructor(deleted: string[], failures: Array<{ sessionId: string; error: unknown }>) {
    super(`${failures.length} of ${deleted.length + failures.length} sessions could not be deleted`);
    this.deleted = deleted;
    this.failures = failures;
  }
}

export const isAPIError = (error: unknown): error is APIError => error instanceof APIError;
export const isOAuthError = (error: unknown): error is OAuthError => error instanceof OAuthError;
export const isOpenQodError = (error: unknown): error is OpenQodError => error instanceof OpenQodError;
