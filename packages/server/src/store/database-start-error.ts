/**
 * The database cannot be used: unreachable, refusing the credentials, or too old. Raised at start so
 * the operator reads one clear line instead of a stack trace; never carries the URL's password.
 */
export class DatabaseStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseStartError";
  }
}

/** `postgres://user@host:port/db`, without the password, for messages and logs. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    parsed.search = "";
    return parsed.href;
  } catch {
    return "the configured database";
  }
}
