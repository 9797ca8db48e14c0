import type { Clock } from "../clock.ts";
import { APIConnectionError, OAuthError, ValidationError } from "../errors.ts";
import { clientAssertionSigner, JWT_BEARER } from "./client-assertion.ts";
import type { ClientAuthentication } from "./types.ts";

/** A POST to an OAuth endpoint, authenticated as the client, with its form parameters. */
export type FormPoster = (
  url: string,
  params: URLSearchParams,
  context: { fetch: typeof fetch; signal: AbortSignal },
) => Promise<Record<string, unknown>>;

/**
 * Posts `application/x-www-form-urlencoded` forms to the token or CIBA endpoint, authenticated by the
 * client's method: `client_secret_basic` (Authorization: Basic), `client_secret_post` (client_id and
 * client_secret in the form) or `private_key_jwt` (a client assertion whose `aud` is the URL posted to).
 * Resolves the JSON answer of a 2xx.
 * @throws OAuthError with the server's `error` on any other answer; APIConnectionError with none.
 */
export function formPoster(
  credentials: ClientAuthentication & { clientId: string },
  clock: Clock,
): FormPoster {
  const authenticate = clientAuthenticator(credentials, clock);
  return async (url, params, { fetch: fetchImpl, signal }) => {
    const body = new URLSearchParams(params);
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    await authenticate(url, body, headers);
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, {
        method: "POST",
        headers,
        body: body.toString(),
        signal,
        redirect: "error",
      });
      text = await response.text();
    } catch (cause) {
      throw new APIConnectionError(`POST ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
      });
    }
    let json: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null) json = parsed as Record<string, unknown>;
    } catch {}
    if (!response.ok) {
      const error = typeof json.error === "string" ? json.error : undefined;
      throw new OAuthError({
        status: response.status,
        code: error ?? "TOKEN_REQUEST_FAILED",
        error,
        message:
          typeof json.error_description === "string"
            ? json.error_description
            : `${url} answered ${response.status}`,
        body: text,
        headers: response.headers,
        correlator: undefined,
      });
    }
    return json;
  };
}

type Authenticator = (url: string, body: URLSearchParams, headers: Record<string, string>) => Promise<void>;

/** @throws ValidationError for a method the SDK does not know (before anything is sent). */
function clientAuthenticator(
  credentials: ClientAuthentication & { clientId: string },
  clock: Clock,
): Authenticator {
  const { clientId } = credentials;
  switch (credentials.method) {
    case "private_key_jwt": {
      const sign = clientAssertionSigner(clientId, credentials, clock);
      return async (url, body) => {
        body.set("client_id", clientId);
        body.set("client_assertion_type", JWT_BEARER);
        body.set("client_assertion", await sign(url));
      };
    }
    case "client_secret_post": {
      const { clientSecret } = credentials;
      return async (_url, body) => {
        body.set("client_id", clientId);
        body.set("client_secret", clientSecret);
      };
    }
    case undefined:
    case "client_secret_basic": {
      // btoa rather than Buffer: the SDK runs wherever fetch does. The URI-encoded pair is ASCII.
      const basic = `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(credentials.clientSecret)}`)}`;
      return async (_url, _body, headers) => {
        headers.authorization = basic;
      };
    }
    default:
      throw new ValidationError(
        "oauth2.method",
        `${JSON.stringify((credentials as { method: unknown }).method)} is not one of client_secret_basic, client_secret_post, private_key_jwt`,
      );
  }
}
