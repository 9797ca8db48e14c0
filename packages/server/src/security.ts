import type { AppDeps } from "./app.ts";
import { ApiKeys } from "./auth/api-keys.ts";
import { type AuthorizationServer, createAuthorizationServer } from "./auth/authorization-server.ts";
import { Ciba } from "./auth/ciba.ts";
import { CIBA_GRANT } from "./auth/discovery.ts";
import { type ExternalIdpTimings, type ExternalIssuer, externalIssuerOf } from "./auth/external-issuer.ts";
import type { Clock } from "./clock.ts";
import { type Config, ConfigError } from "./config.ts";
import type { WorkerEvents } from "./events.ts";
import { type Authenticator, BearerAuthenticator } from "./http/auth.ts";
import type { NetworkAdapter } from "./network/adapter.ts";
import { consentOf, type DeviceRegistry } from "./network/device-registry.ts";
import { AuthRequestRepository } from "./store/auth-requests.ts";
import type { Store } from "./store/store.ts";

/** Every credential OpenQoD accepts, and the authorization server that issues some of them. */
export interface Security {
  apiKeys: ApiKeys;
  /** null with OPENQOD_OAUTH_SERVER=off. */
  authorizationServer: AuthorizationServer | null;
  /** The operator's IdP (OPENQOD_OAUTH_ISSUER), or null. */
  externalIssuer: ExternalIssuer | null;
  /** API keys, OpenQoD's own tokens and the IdP's, each token checked by its issuer's verifier. */
  authenticator: Authenticator;
  /** What the HTTP app mounts for the authorization server. */
  oauth: NonNullable<AppDeps["oauth"]> | null;
}

/**
 * Wires API keys, the built-in authorization server (with CIBA, whose consent the device registry
 * gives) and the external IdP from the configuration. Nothing is fetched or made yet: the first
 * signing key at start (openqod.ts), the IdP's discovery on its first token.
 */
export function createSecurity(
  config: Readonly<Config>,
  parts: {
    store: Store;
    clock: Clock;
    network: NetworkAdapter;
    registry: Pick<DeviceRegistry, "rules">;
    events: WorkerEvents;
    externalIdp?: ExternalIdpTimings;
  },
): Security {
  const { store, clock, network, registry, events } = parts;
  const apiKeys = new ApiKeys(store, { clock });
  const onUnreachable = (error: Error) => events.emit("worker:error", { worker: "identity-provider", error });
  const externalIssuer = externalIssuerOf(config, { store, clock, onUnreachable, ...parts.externalIdp });
  const authorizationServer = config.oauthServer
    ? createAuthorizationServer({
        store,
        issuer: config.publicUrl,
        tokenTtlMs: config.accessTokenTtlMs,
        rotationMs: config.signingKeyRotationMs,
        clock,
      })
    : null;
  const ciba =
    authorizationServer === null
      ? null
      : new Ciba({
          requests: new AuthRequestRepository(store.db),
          consent: { consentOf: (device) => consentOf(registry, device) },
          lookup: (device) => network.checkDevice(device),
          clock,
          intervalMs: config.cibaIntervalMs,
        });
  if (ciba !== null) authorizationServer?.grants.set(CIBA_GRANT, ciba.grant);
  if (
    authorizationServer !== null &&
    externalIssuer !== null &&
    trimSlash(externalIssuer.issuer) === trimSlash(authorizationServer.issuer)
  ) {
    // One would silently take the other's tokens for its own.
    throw new ConfigError([
      `OPENQOD_OAUTH_ISSUER (${externalIssuer.issuer}) is OpenQoD's own issuer (OPENQOD_PUBLIC_URL): name the identity provider's issuer, or set OPENQOD_OAUTH_SERVER=off`,
    ]);
  }
  const verifiers = [authorizationServer?.verifier, externalIssuer].filter((v) => v != null);
  return {
    apiKeys,
    authorizationServer,
    externalIssuer,
    authenticator: new BearerAuthenticator(apiKeys, verifiers),
    oauth:
      authorizationServer === null
        ? null
        : {
            server: authorizationServer,
            rateLimit: { perSecond: config.tokenRateLimit, burst: config.tokenRateBurst },
            ciba,
          },
  };
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");
