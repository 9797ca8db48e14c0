import { APIConnectionError, APIError, APITimeoutError, OAuthError, ValidationError } from "@openqod/sdk";
import { CommanderError } from "commander";

/** Exit codes: 0 ok, 1 the API or the network said no, 2 usage (including input caught before sending). */
export const EXIT = { ok: 0, api: 1, usage: 2 } as const;

/** A failure the CLI explains itself: printed as one line, no stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.api) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/**
 * The SDK checks input before sending and names its own parameters; a CLI user typed flags. Each entry
 * says the same thing in the CLI's words. Keys are `ValidationError.field` values.
 */
const FLAG_MESSAGES: Record<string, (sdkMessage: string) => string> = {
  token: () =>
    "no API key: set OPENQOD_TOKEN or pass --token (the sandbox prints its key when `openqod serve` starts), or give OAuth2 client credentials with --client-id and --client-secret",
  device: () => "give the device with --phone, --ipv4 (with --ipv4-private or --ipv4-port), --ipv6 or --nai",
  phoneNumber: (m) => `--phone ${m.replace(/ \(.*\)$/, "")}: give digits with an optional leading +`,
  "ipv4Address.publicAddress": () => "--ipv4 is not an IPv4 address",
  "ipv4Address.privateAddress": () => "--ipv4-private is not an IPv4 address",
  "ipv4Address.publicPort": () => "--ipv4-port is not a port (0-65535)",
  ipv4Address: () => "--ipv4 needs --ipv4-private or --ipv4-port as well",
  profile: () => "--profile is required, e.g. --profile QOS_L (see `openqod profiles list`)",
  serviceIpv4: (m) =>
    m.startsWith("give")
      ? "give the application server with --service-ipv4 or --service-ipv6"
      : `--service-ipv4 ${m.replace(/^"[^"]*" /, "")}`,
  duration: () => "--duration must be a whole number of seconds, at least 1",
  notificationUrl: () => "--notification-url must be an absolute URL, e.g. http://127.0.0.1:8080/qod",
  notificationAuthToken: () =>
    "--notification-token needs --notification-url: a token without a URL is never sent",
};

/** Why a connection failed, in words, from undici's cause chain (`fetch failed` → `ECONNREFUSED`). */
function connectionReason(error: unknown): string {
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause instanceof Error; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (code === "ECONNREFUSED") return "connection refused";
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
    if (code === "ECONNRESET") return "connection reset";
    if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT") return "connection timed out";
    if (typeof code === "string" && code !== "") return code;
    cause = cause.cause;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The origin a failed request went to, from the SDK's "METHOD URL: reason" message. */
function targetOf(message: string): string {
  const url = /^[A-Z]+ (\S+?):? /.exec(message)?.[1];
  if (url === undefined) return "the server";
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * One line for a person, and the exit code, for anything a command threw. Expected failures (usage,
 * input, the API's refusals, no answer) never print a stack trace; only a bug does.
 */
export function describeFailure(error: unknown): { message: string; exitCode: number } | null {
  if (error instanceof CommanderError) {
    return { message: "", exitCode: error.exitCode === 0 ? EXIT.ok : EXIT.usage };
  }
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof ValidationError) {
    const render = FLAG_MESSAGES[error.field];
    const sdkMessage = error.message.slice(error.field.length + 2);
    return { message: render ? render(sdkMessage) : error.message, exitCode: EXIT.usage };
  }
  if (error instanceof OAuthError) return { message: oauthMessage(error), exitCode: EXIT.api };
  if (error instanceof APIError) {
    return { message: `${error.code} ${error.message.replace(/^\d+ \S+: /, "")}`, exitCode: EXIT.api };
  }
  if (error instanceof APITimeoutError) {
    return {
      message: `${targetOf(error.message)} did not answer in time; check that the server is running and reachable (--url or OPENQOD_URL)`,
      exitCode: EXIT.api,
    };
  }
  if (error instanceof APIConnectionError) {
    return {
      message: `no answer from ${targetOf(error.message)} (${connectionReason(error.cause)}): is the server running? Start one with \`openqod serve\`, or point --url / OPENQOD_URL at yours`,
      exitCode: EXIT.api,
    };
  }
  return null;
}

/** A refusal of the authorization server, saying which flags or variables to check. */
function oauthMessage(error: OAuthError): string {
  const detail = error.message.replace(/^\d+ \S+: /, "");
  if (error.code === "DISCOVERY_FAILED")
    return `no OAuth2 discovery document: ${detail}; point --url at the server's public URL (its issuer), or use --token`;
  const hint =
    error.error === "invalid_client"
      ? ": check --client-id and --client-secret (OPENQOD_CLIENT_ID, OPENQOD_CLIENT_SECRET)"
      : "";
  return `the token endpoint refused: ${error.code} ${detail}${hint}`;
}
