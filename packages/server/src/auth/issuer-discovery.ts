import { isLoopback } from "./external-settings.ts";

/** What OpenQoD reads of an identity provider's metadata. */
export interface IssuerMetadata {
  issuer: string;
  jwksUri: string;
}

/** The identity provider could not be asked (down, slow, or answering with something unusable). */
export class IssuerUnreachable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IssuerUnreachable";
  }
}

/**
 * Where an issuer publishes its metadata: OpenID Connect Discovery 1.0 §4 appends to the issuer's path,
 * RFC 8414 §3.1 inserts between the host and the path. Both are tried, in this order.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, "");
  return [
    `${url.origin}${path}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

/**
 * Fetches the issuer's discovery document (OpenID first, then RFC 8414 on a non-200 answer) and checks
 * that it speaks for this issuer, exactly, and names a JWKS on https (http only on loopback).
 * @param timeoutMs how long each request may take.
 * @throws IssuerUnreachable when no document could be read, or the one read is not this issuer's.
 */
export async function discoverIssuer(issuer: string, timeoutMs: number): Promise<IssuerMetadata> {
  const failures: string[] = [];
  for (const url of metadataUrls(issuer)) {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: "application/json" },
        // A redirect would let whoever answers at the first address choose the keys.
        redirect: "error",
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // Down or slow: the other document is on the same host.
      throw new IssuerUnreachable(`cannot reach ${url}: ${reason(error)}`, { cause: error });
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      failures.push(`${url} answered ${response.status}`);
      continue;
    }
    let document: unknown;
    try {
      document = await response.json();
    } catch (error) {
      throw new IssuerUnreachable(`${url} is not JSON: ${reason(error)}`, { cause: error });
    }
    return checkMetadata(issuer, url, document);
  }
  throw new IssuerUnreachable(`no discovery document: ${failures.join("; ")}`);
}

function checkMetadata(issuer: string, url: string, document: unknown): IssuerMetadata {
  if (typeof document !== "object" || document === null)
    throw new IssuerUnreachable(`${url} is not a JSON object`);
  const { issuer: named, jwks_uri: jwksUri } = document as Record<string, unknown>;
  // OIDC Discovery §4.3 and RFC 8414 §3.3: a document for another issuer must not be used.
  if (named !== issuer) {
    throw new IssuerUnreachable(
      `${url} names the issuer ${JSON.stringify(named)?.slice(0, 200)}, not ${JSON.stringify(issuer)}`,
    );
  }
  if (typeof jwksUri !== "string") throw new IssuerUnreachable(`${url} has no jwks_uri`);
  let jwks: URL;
  try {
    jwks = new URL(jwksUri);
  } catch {
    throw new IssuerUnreachable(`${url} has a jwks_uri that is not a URL`);
  }
  if (!(jwks.protocol === "https:" || (jwks.protocol === "http:" && isLoopback(jwks.hostname))))
    throw new IssuerUnreachable(`${url} has a jwks_uri that is not https://`);
  return { issuer, jwksUri };
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
