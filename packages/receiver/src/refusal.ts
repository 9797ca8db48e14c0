import type { RequestHead } from "./receiver.ts";
import type { Refusal, RefusalHeaders } from "./types.ts";

/** Registered HTTP authentication schemes (IANA), and the common `Token`; shown in full when masking. */
const SCHEMES =
  /^(?:Basic|Bearer|Concealed|Digest|DPoP|GNAP|HOBA|Mutual|Negotiate|OAuth|PrivateToken|SCRAM-SHA-1|SCRAM-SHA-256|Token|vapid)$/i;

/** Longest header value kept for a refusal (characters); a log line should stay a line. */
const MAX_VALUE = 200;

const cut = (value: string) => (value.length > MAX_VALUE ? `${value.slice(0, MAX_VALUE)}…` : value);

function maskCredential(credential: string): string {
  const chars = [...credential];
  if (chars.length === 0) return "(empty)";
  // Enough to tell two tokens apart by eye, never enough to guess one.
  const shown = Math.min(4, Math.floor(chars.length / 3));
  return `${chars.slice(0, shown).join("")}…(${chars.length} char${chars.length === 1 ? "" : "s"})`;
}

/**
 * An Authorization value safe to log: `Bearer my-token-123` → `Bearer my-t…(12 chars)`. The scheme is
 * kept only when it is a known one, so a bare token that happens to contain a space is masked whole.
 */
export function maskAuthorization(value: string): string {
  const trimmed = value.trim();
  if (SCHEMES.test(trimmed)) return `${trimmed} (empty)`;
  const space = trimmed.search(/\s/);
  const scheme = space > 0 ? trimmed.slice(0, space) : "";
  if (scheme !== "" && SCHEMES.test(scheme))
    return `${scheme} ${maskCredential(trimmed.slice(space).trim())}`;
  return maskCredential(trimmed);
}

const first = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

const LOGGED = [
  "content-type",
  "content-length",
  "user-agent",
  "x-correlator",
  "webhook-id",
  "webhook-timestamp",
] as const;

/** The path of a request target, without the query string (which may carry credentials). */
export function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** What a refusal says about the request: its method, path and the headers that help find the sender's mistake. */
export function describeRequest(request: RequestHead): Pick<Refusal, "method" | "path" | "headers"> {
  const headers: RefusalHeaders = {};
  for (const name of LOGGED) {
    const value = first(request.headers[name]);
    if (value !== undefined) headers[name] = cut(value);
  }
  const authorization = first(request.headers.authorization);
  if (authorization !== undefined) headers.authorization = cut(maskAuthorization(authorization));
  return {
    ...(request.method === undefined ? {} : { method: cut(request.method) }),
    ...(request.url === undefined ? {} : { path: cut(pathOf(request.url)) }),
    headers,
  };
}
