import { APIConnectionError, APIError } from "./errors.ts";

/** Supplies the credentials of each request. */
export interface Auth {
  headers(fetchImpl: typeof fetch, signal: AbortSignal): Promise<Record<string, string>>;
  /** Called after a 401: drop a cached token so the next attempt fetches a new one. Returns true if that may help. */
  invalidate(): boolean;
}

/** A static key: `Authorization: Bearer <key>`, or `x-rapidapi-key` for Network as Code. */
export function keyAuth(key: string, scheme: "bearer" | "rapidapi", rapidApiHost?: string): Auth {
  const headers: Record<string, string> =
    scheme === "bearer"
      ? { authorization: `Bearer ${key}` }
      : { "x-rapidapi-key": key, ...(rapidApiHost === undefined ? {} : { "x-rapidapi-host": rapidApiHost }) };
  return { headers: async () => headers, invalidate: () => false };
}

export interface OAuth2ClientCredentials {
  /** The provider's token endpoint. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes, e.g. "quality-on-demand:sessions:create quality-on-demand:sessions:read". */
  scope?: string;
}

/**
 * OAuth2 client credentials (RFC 6749 §4.4): fetches an access token, reuses it until 30 s before it
 * expires, and fetches a new one after a 401. Concurrent requests share one token request.
 */
export function oauth2Auth(credentials: OAuth2ClientCredentials): Auth {
  let token: { value: string; until: number } | null = null;
  let pending: Promise<string> | null = null;

  async function fetchToken(fetchImpl: typeof fetch, signal: AbortSignal): Promise<string> {
    const body = new URLSearchParams({ grant_type: "client_credentials" });
    if (credentials.scope) body.set("scope", credentials.scope);
    // btoa rather than Buffer: the SDK runs wherever fetch does. The URI-encoded pair is ASCII.
    const basic = btoa(
      `${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`,
    );
    let response: Response;
    try {
      response = await fetchImpl(credentials.tokenUrl, {
        method: "POST",
        headers: {
          authorization: `Basic ${basic}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: body.toString(),
        signal,
      });
    } catch (cause) {
      throw new APIConnectionError(`token request to ${credentials.tokenUrl} failed`, { cause });
    }
    const text = await response.text();
    let json: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } =
      {};
    try {
      json = JSON.parse(text) as typeof json;
    } catch {}
    if (!response.ok || typeof json.access_token !== "string") {
      throw new APIError({
        status: response.status,
        code: typeof json.error === "string" ? json.error : "TOKEN_REQUEST_FAILED",
        message:
          typeof json.error_description === "string"
            ? json.error_description
            : `token endpoint answered ${response.status}`,
        body: text,
        headers: response.headers,
        correlator: undefined,
      });
    }
    const lifetime = typeof json.expires_in === "number" ? json.expires_in : 300;
    token = { value: json.access_token, until: Date.now() + Math.max(0, lifetime - 30) * 1000 };
    return json.access_token;
  }

  return {
    async headers(fetchImpl, signal) {
      if (token !== null && token.until > Date.now()) return { authorization: `Bearer ${token.value}` };
      pending ??= fetchToken(fetchImpl, signal).finally(() => {
        pending = null;
      });
      return { authorization: `Bearer ${await pending}` };
    },
    invalidate() {
      token = null;
      return true;
    },
  };
}
