import { isIP } from "node:net";
import { Invalid, type Kind, printable } from "../setting-kinds.ts";
// A type only: settings.ts spreads EXTERNAL_IDP_SETTINGS into the one table whose values this checks.
import type { SettingValues } from "../settings.ts";

/** The JWS algorithms an external IdP may sign with: asymmetric only (no `none`, no shared-secret HS*). */
export const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** A name that is loopback whatever resolves it: http:// is allowed only to these. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/**
 * An OpenID issuer, kept exactly as written: tokens' `iss` and the discovery document's `issuer` must
 * equal it character for character (OIDC Discovery 1.0 §4.3), so no trailing slash is added or removed.
 */
const issuerUrl: Kind<string | null> = {
  expects: "an https:// URL (http:// only on loopback) without query or fragment",
  placeholder: "url",
  parse: (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return new Invalid("must be an absolute URL");
    }
    if (url.search !== "" || url.hash !== "" || raw.includes("#") || raw.includes("?"))
      return new Invalid("must have no query or fragment (an OpenID issuer has neither)");
    if (url.username !== "" || url.password !== "") return new Invalid("must carry no user or password");
    if (url.protocol === "https:") return raw;
    if (url.protocol === "http:" && isLoopback(url.hostname)) return raw;
    return new Invalid("must be an https:// URL (http:// only on a loopback address)");
  },
};

/** A JWT claim's name. */
const claimName: Kind<string> = {
  expects: "a claim name: 1 to 128 printable characters",
  placeholder: "claim",
  parse: (raw) =>
    /^[\x21-\x7e]{1,128}$/.test(raw)
      ? raw
      : new Invalid("must be a claim name of 1 to 128 printable characters"),
};

/** A claim that may be left unset (null: not read). */
const optionalClaimName: Kind<string | null> = claimName;

/** Comma-separated JWS algorithm names, each asymmetric. */
const algorithmList: Kind<readonly AsymmetricAlgorithm[]> = {
  expects: `comma-separated JWS algorithms among ${ASYMMETRIC_ALGORITHMS.join(", ")}`,
  placeholder: "algs",
  parse: (raw) => {
    const names = raw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    const known = new Set<string>(ASYMMETRIC_ALGORITHMS);
    const bad = names.filter((n) => !known.has(n));
    if (names.length === 0 || bad.length > 0) {
      return new Invalid(
        `must list asymmetric JWS algorithms among ${ASYMMETRIC_ALGORITHMS.join(", ")} (never none or HS*)`,
      );
    }
    return [...new Set(names)] as AsymmetricAlgorithm[];
  },
};

/**
 * The settings that let OpenQoD accept the access tokens of an operator's identity provider (an
 * OpenID provider or RFC 8414 authorization server). Declared here, spread into SETTINGS (settings.ts).
 */
export const EXTERNAL_IDP_SETTINGS = {
  oauthIssuer: {
    flag: "oauth-issuer",
    variable: "OPENQOD_OAUTH_ISSUER",
    kind: issuerUrl,
    fallback: null,
    defaultText: "none (only OpenQoD's own credentials)",
    doc: "an external identity provider whose JWT access tokens are accepted; its discovery document and JWKS are fetched from it",
  },
  oauthAudience: {
    flag: "oauth-audience",
    variable: "OPENQOD_OAUTH_AUDIENCE",
    kind: printable,
    fallback: null,
    defaultText: "the public URL",
    doc: "the `aud` the identity provider's tokens must carry",
  },
  oauthScopeClaim: {
    flag: "oauth-scope-claim",
    variable: "OPENQOD_OAUTH_SCOPE_CLAIM",
    kind: claimName,
    fallback: "scope",
    defaultText: "`scope`",
    doc: "the claim with the token's scopes: a space-separated string, or an array (such as `scp`)",
  },
  oauthClientClaim: {
    flag: "oauth-client-claim",
    variable: "OPENQOD_OAUTH_CLIENT_CLAIM",
    kind: claimName,
    fallback: "client_id",
    defaultText: "`client_id`, else `azp`",
    doc: "the claim naming the IdP's client, which owns the sessions it creates",
  },
  oauthDeviceClaim: {
    flag: "oauth-device-claim",
    variable: "OPENQOD_OAUTH_DEVICE_CLAIM",
    kind: optionalClaimName,
    fallback: null,
    defaultText: "none: every token is two-legged",
    doc: "the claim with the device a token is bound to: a CAMARA `Device` object, or `tel:+…`, `ipv4:…`, `ipv6:…`",
  },
  oauthAlgorithms: {
    flag: "oauth-algorithms",
    variable: "OPENQOD_OAUTH_ALGORITHMS",
    kind: algorithmList,
    fallback: ["RS256", "PS256", "ES256", "EdDSA"],
    defaultText: "`RS256,PS256,ES256,EdDSA`",
    doc: "the JWS algorithms the identity provider's tokens may be signed with (never `none` or `HS*`)",
  },
} as const;

/** The checks across the external IdP settings, each problem in words naming the variables. */
export function externalIdpSettingProblems(
  settings: Pick<SettingValues, keyof typeof EXTERNAL_IDP_SETTINGS>,
): string[] {
  if (settings.oauthIssuer !== null) return [];
  // Claim settings without an issuer would silently do nothing: the operator meant something.
  const given = (
    [
      ["oauthAudience", "OPENQOD_OAUTH_AUDIENCE"],
      ["oauthDeviceClaim", "OPENQOD_OAUTH_DEVICE_CLAIM"],
    ] as const
  ).filter(([key]) => settings[key] !== null);
  return given.map(([, name]) => `${name} is set but OPENQOD_OAUTH_ISSUER is not: set the identity provider`);
}
