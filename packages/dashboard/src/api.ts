import type { ErrorInfo } from "./wire.ts";

/** An API's answer that was not a success, as CAMARA states it (`{status, code, message}`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(info: ErrorInfo) {
    super(info.message);
    this.status = info.status;
    this.code = info.code;
  }
}

/** Who the browser is signed in as: the bearer credential (an API key or an access token). */
export interface Credentials {
  bearer: string;
  /** What to show: the client's name or id. */
  label: string;
}

function isErrorInfo(value: unknown): value is ErrorInfo {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ErrorInfo).code === "string" &&
    typeof (value as ErrorInfo).message === "string"
  );
}

/** Reads an answer that is not 2xx into an ApiError, whatever its body. */
export async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the status alone says it
  }
  if (isErrorInfo(body))
    return new ApiError({ status: response.status, code: body.code, message: body.message });
  return new ApiError({
    status: response.status,
    code: `HTTP_${response.status}`,
    message: text.slice(0, 200) || response.statusText || `HTTP ${response.status}`,
  });
}

/** The one request path of the dashboard: same origin, bearer credential, JSON, CAMARA errors. */
export class Api {
  readonly #credentials: () => Credentials | null;
  readonly #onUnauthorized: () => void;

  constructor(credentials: () => Credentials | null, onUnauthorized: () => void) {
    this.#credentials = credentials;
    this.#onUnauthorized = onUnauthorized;
  }

  /** The Authorization header of the signed-in client. */
  headers(): Record<string, string> {
    const credentials = this.#credentials();
    return credentials === null ? {} : { authorization: `Bearer ${credentials.bearer}` };
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json", ...this.headers() };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401) this.#onUnauthorized();
      throw error;
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body ?? {});
  }
}

/** The message of whatever was thrown, for an alert. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
