import { ApiError, type ErrorInfo } from "../errors.ts";

/** The error codes of OAuth 2.0 (RFC 6749 §5.2), private_key_jwt (RFC 7523) and CIBA (OpenID CIBA §11, §13). */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "access_denied"
  | "authorization_pending"
  | "slow_down"
  | "expired_token"
  | "expired_login_hint_token"
  | "unknown_user_id"
  | "temporarily_unavailable"
  | "rate_limited";

/** The CAMARA code each HTTP status of an OAuth answer gets, so the body is both shapes at once. */
const CODE_OF_STATUS = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  429: "TOO_MANY_REQUESTS",
  503: "UNAVAILABLE",
} as const;

/** The body of an OAuth endpoint's error: RFC 6749's fields, and CAMARA's `{status, code, message}`. */
export interface OAuthErrorInfo extends ErrorInfo {
  error: OAuthErrorCode;
  error_description: string;
}

/**
 * An error of the token, JWKS or CIBA endpoints. OAuth clients read `error` (RFC 6749 §5.2); everything
 * else of OpenQoD reads CAMARA's `code`; the answer carries both, with RFC 6749's status (400, or 401
 * for `invalid_client`; 429 and 503 when the endpoint sheds load).
 */
export class OAuthError extends ApiError {
  readonly error: OAuthErrorCode;

  constructor(
    error: OAuthErrorCode,
    description: string,
    options: { status?: keyof typeof CODE_OF_STATUS; headers?: Record<string, string> } = {},
  ) {
    const status = options.status ?? (error === "invalid_client" ? 401 : 400);
    super(CODE_OF_STATUS[status], description, options.headers ? { headers: options.headers } : {});
    this.name = "OAuthError";
    this.error = error;
  }

  override toInfo(): OAuthErrorInfo {
    return { ...super.toInfo(), error: this.error, error_description: this.message };
  }
}

/**
 * A CAMARA error answered at an OAuth endpoint by something other than the endpoint itself (the
 * correlator or Host check, the body parser): it gets RFC 6749's fields too, so OAuth clients can read it
 * and the endpoint's response schema, which names them, can serialize it.
 */
export function asOAuthErrorInfo(info: ErrorInfo): OAuthErrorInfo {
  if ("error" in info) return info as OAuthErrorInfo;
  const error: OAuthErrorCode =
    info.status === 401
      ? "invalid_client"
      : info.status === 429
        ? "rate_limited"
        : info.status >= 500
          ? "temporarily_unavailable"
          : "invalid_request";
  return { ...info, error, error_description: info.message };
}
