import { OAuthError } from "./oauth-error.ts";

/**
 * The scopes a token request gets: those its `scope` parameter names (RFC 6749 §3.3), each one the
 * client may ask for, or every scope of the client when it names none. `extra` are scopes that are
 * not the client's but may be asked for (CIBA's `openid`).
 * @throws OAuthError invalid_scope naming the first scope that is unknown or not the client's.
 */
export function requestedScopes(
  allowed: ReadonlySet<string>,
  param: string | null,
  extra: readonly string[] = [],
): string[] {
  if (param === null || param.trim() === "") return [...allowed].sort();
  const asked = [...new Set(param.split(" ").filter((s) => s !== ""))];
  const refused = asked.find((s) => !allowed.has(s) && !extra.includes(s));
  if (refused !== undefined) {
    throw new OAuthError(
      "invalid_scope",
      `the scope ${JSON.stringify(refused).slice(0, 200)} is unknown or not allowed for this client`,
    );
  }
  return asked;
}
