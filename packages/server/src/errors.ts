/**
 * The CAMARA error registry: every error OpenQoD answers with is listed here, keyed by its `code`.
 * One error handler renders them as `{status, code, message}` (see http/error-handler.ts).
 */
export const ERRORS = {
  INVALID_ARGUMENT: {
    status: 400,
    message: "Client specified an invalid argument, request body or query param.",
  },
  OUT_OF_RANGE: { status: 400, message: "Client specified an invalid range." },
  "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE": {
    status: 400,
    message: "The requested duration is out of the allowed range for the specific QoS profile",
  },
  INVALID_CREDENTIAL: { status: 400, message: "Only Access token is supported" },
  INVALID_TOKEN: { status: 400, message: "Only bearer token is supported" },
  INVALID_SINK: { status: 400, message: "sink not valid for the specified protocol" },
  UNAUTHENTICATED: {
    status: 401,
    message:
      "Request not authenticated due to missing, invalid, or expired credentials. A new authentication is required.",
  },
  PERMISSION_DENIED: {
    status: 403,
    message: "Client does not have sufficient permissions to perform this action.",
  },
  NOT_FOUND: { status: 404, message: "The specified resource is not found." },
  IDENTIFIER_NOT_FOUND: { status: 404, message: "Device identifier not found." },
  CONFLICT: { status: 409, message: "Conflict with an existing session for the same device." },
  "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED": {
    status: 409,
    message:
      "Extending the session duration is not allowed in the current state. The session must be in the AVAILABLE state.",
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    message: "The requested method is not allowed/supported on the target resource.",
  },
  // 408, 413, 414 and 431 have no CAMARA code: these follow CAMARA's style (the status's name).
  REQUEST_TIMEOUT: { status: 408, message: "The request was not received in time." },
  CONTENT_TOO_LARGE: { status: 413, message: "The request body is larger than 64 KiB." },
  URI_TOO_LONG: { status: 414, message: "The request URL is too long." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "The request body must be sent as application/json." },
  SERVICE_NOT_APPLICABLE: {
    status: 422,
    message: "The service is not available for the provided identifier.",
  },
  MISSING_IDENTIFIER: { status: 422, message: "The device cannot be identified." },
  UNNECESSARY_IDENTIFIER: {
    status: 422,
    message: "The device is already identified by the access token.",
  },
  UNSUPPORTED_IDENTIFIER: { status: 422, message: "The identifier provided is not supported." },
  "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE": {
    status: 422,
    message: "The requested QoS Profile is currently not available for session creation.",
  },
  REQUEST_HEADER_FIELDS_TOO_LARGE: {
    status: 431,
    message: "The request's headers are larger than 16 KiB.",
  },
  TOO_MANY_REQUESTS: {
    status: 429,
    message: "Either out of resource quota or reaching rate limiting.",
  },
  INTERNAL: { status: 500, message: "Unknown server error. Typically a server bug." },
  UNAVAILABLE: { status: 503, message: "Service unavailable. Typically the server is down." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** The body of every error response, as CAMARA's `ErrorInfo` defines it. */
export interface ErrorInfo {
  status: number;
  code: ErrorCode;
  message: string;
}

/**
 * An error that reaches the client as-is. `message` defaults to the registry's text for `code`;
 * `headers` go with the answer (e.g. `retry-after` on a 503).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message?: string, options: { headers?: Record<string, string> } = {}) {
    super(message ?? ERRORS[code].message);
    this.name = "ApiError";
    this.code = code;
    this.status = ERRORS[code].status;
    this.headers = options.headers ?? {};
  }

  toInfo(): ErrorInfo {
    return { status: this.status, code: this.code, message: this.message };
  }
}
