import { absoluteUrl, duration, oneOf, path, pathSegment, printable, secret } from "../../setting-kinds.ts";
// A type only: settings.ts spreads NETWORK_SETTINGS into the one table whose values this checks.
import type { SettingValues } from "../../settings.ts";

/**
 * The settings that choose the network and connect OpenQoD to a 3GPP NEF (TS 29.122 AsSessionWithQoS).
 * Declared here, spread into SETTINGS (settings.ts), so the README table and --help list them.
 */
export const NETWORK_SETTINGS = {
  network: {
    flag: "network",
    variable: "OPENQOD_NETWORK",
    kind: oneOf(["simulator", "nef", "linux-tc"]),
    fallback: "simulator",
    defaultText: "`simulator`",
    doc: "the network sessions are asked of: the built-in `simulator`, a 3GPP `nef`, or this machine's kernel (`linux-tc`)",
  },
  nefUrl: {
    flag: "nef-url",
    variable: "OPENQOD_NEF_URL",
    kind: absoluteUrl,
    fallback: null,
    defaultText: "none (required with `--network nef`)",
    doc: "the NEF's apiRoot; requests go to `{apiRoot}/3gpp-as-session-with-qos/v1/{scsAsId}/subscriptions`",
  },
  nefScsAsId: {
    flag: "nef-scs-as-id",
    variable: "OPENQOD_NEF_SCS_AS_ID",
    kind: pathSegment,
    fallback: null,
    defaultText: "none (required with `--network nef`)",
    doc: "OpenQoD's SCS/AS identifier at the NEF",
  },
  nefToken: {
    flag: "nef-token",
    variable: "OPENQOD_NEF_TOKEN",
    kind: secret,
    fallback: null,
    defaultText: "none",
    doc: "a static bearer token for the NEF (or the three OAuth settings)",
  },
  nefOauthTokenUrl: {
    flag: "nef-oauth-token-url",
    variable: "OPENQOD_NEF_OAUTH_TOKEN_URL",
    kind: absoluteUrl,
    fallback: null,
    defaultText: "none",
    doc: "OAuth 2.0 token endpoint: the NEF's bearer tokens by client credentials, refreshed before expiry",
  },
  nefOauthClientId: {
    flag: "nef-oauth-client-id",
    variable: "OPENQOD_NEF_OAUTH_CLIENT_ID",
    kind: printable,
    fallback: null,
    defaultText: "none",
    doc: "the OAuth client id",
  },
  nefOauthClientSecret: {
    flag: "nef-oauth-client-secret",
    variable: "OPENQOD_NEF_OAUTH_CLIENT_SECRET",
    kind: secret,
    fallback: null,
    defaultText: "none",
    doc: "the OAuth client secret",
  },
  nefCaFile: {
    flag: "nef-ca-file",
    variable: "OPENQOD_NEF_CA_FILE",
    kind: path,
    fallback: null,
    defaultText: "the system's CAs",
    doc: "PEM file of the CA(s) that signed the NEF's and the token endpoint's certificates",
  },
  nefCallbackUrl: {
    flag: "nef-callback-url",
    variable: "OPENQOD_NEF_CALLBACK_URL",
    kind: absoluteUrl,
    fallback: null,
    defaultText: "the public URL",
    doc: "the base URL at which the NEF reaches OpenQoD's notification route",
  },
  nefCallbackSecret: {
    flag: "nef-callback-secret",
    variable: "OPENQOD_NEF_CALLBACK_SECRET",
    kind: secret,
    fallback: null,
    defaultText:
      "generated on first start, kept in `DATA_DIR/nef-callback-secret` (0600); required with PostgreSQL",
    doc: "key of the per-session secret in each callback URL (instances sharing a database share it)",
  },
  nefQosReferencesFile: {
    flag: "nef-qos-references",
    variable: "OPENQOD_NEF_QOS_REFERENCES",
    kind: path,
    fallback: null,
    defaultText: "each profile's name",
    doc: 'JSON file mapping QoS profile names to the NEF\'s `qosReference`, e.g. `{"QOS_E": "qod-e"}`',
  },
  nefTimeoutMs: {
    flag: "nef-timeout",
    variable: "OPENQOD_NEF_TIMEOUT",
    kind: duration(100),
    fallback: 5_000,
    defaultText: "`5s`",
    doc: "how long one call to the NEF (or its token endpoint) may take",
  },
} as const;

const OAUTH = [
  ["nefOauthTokenUrl", "OPENQOD_NEF_OAUTH_TOKEN_URL"],
  ["nefOauthClientId", "OPENQOD_NEF_OAUTH_CLIENT_ID"],
  ["nefOauthClientSecret", "OPENQOD_NEF_OAUTH_CLIENT_SECRET"],
] as const;

/**
 * The checks across the network settings, each problem in words naming the variables. Files (the CA,
 * the QoS references) are read when the network is created, not here.
 */
export function networkSettingProblems(
  settings: Pick<SettingValues, keyof typeof NETWORK_SETTINGS | "databaseUrl">,
): string[] {
  const problems: string[] = [];
  if (settings.network !== "nef") {
    // Forgetting OPENQOD_NETWORK would quietly simulate a network in front of real clients.
    if (settings.nefUrl !== null)
      problems.push("OPENQOD_NEF_URL is set but the network is the simulator: set OPENQOD_NETWORK=nef");
    return problems;
  }
  if (settings.nefUrl === null)
    problems.push("OPENQOD_NETWORK=nef needs OPENQOD_NEF_URL (the NEF's apiRoot)");
  else if (!/^https?:/.test(settings.nefUrl))
    problems.push("OPENQOD_NEF_URL must be an http:// or https:// URL");
  if (settings.nefScsAsId === null) problems.push("OPENQOD_NETWORK=nef needs OPENQOD_NEF_SCS_AS_ID");
  const oauthGiven = OAUTH.filter(([key]) => settings[key] !== null);
  if (oauthGiven.length > 0 && settings.nefToken !== null)
    problems.push("give OPENQOD_NEF_TOKEN or the OPENQOD_NEF_OAUTH_* settings, not both");
  if (oauthGiven.length > 0 && oauthGiven.length < OAUTH.length) {
    const missing = OAUTH.filter(([key]) => settings[key] === null).map(([, name]) => name);
    problems.push(`OAuth client credentials also need ${missing.join(" and ")}`);
  }
  if (settings.nefOauthTokenUrl !== null && !/^https?:/.test(settings.nefOauthTokenUrl))
    problems.push("OPENQOD_NEF_OAUTH_TOKEN_URL must be an http:// or https:// URL");
  if (settings.nefCallbackUrl !== null && !/^https?:/.test(settings.nefCallbackUrl))
    problems.push("OPENQOD_NEF_CALLBACK_URL must be an http:// or https:// URL");
  if (settings.databaseUrl !== null && settings.nefCallbackSecret === null) {
    // Each instance would otherwise generate its own, and refuse the callbacks of the others' sessions.
    problems.push("with OPENQOD_DATABASE_URL, set OPENQOD_NEF_CALLBACK_SECRET: every instance must share it");
  }
  return problems;
}
