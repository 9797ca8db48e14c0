import swagger from "@fastify/swagger";
import { dashboardDist as defaultDashboardDist } from "@openqod/dashboard";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Kysely } from "kysely";
import type { Registry } from "prom-client";
import type { ApiKeys } from "./auth/api-keys.ts";
import type { AuthorizationServer } from "./auth/authorization-server.ts";
import type { Ciba } from "./auth/ciba.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { ProfileCatalogue } from "./domain/profiles.ts";
import { installApiReference } from "./http/api-reference.ts";
import { type Authenticator, BearerAuthenticator } from "./http/auth.ts";
import { answerClientError, answerConnect } from "./http/client-errors.ts";
import { clientsV1 } from "./http/clients-v1.ts";
import { installClosingAnswer } from "./http/closing.ts";
import { installCorrelator } from "./http/correlator.ts";
import { dashboardRoutes } from "./http/dashboard.ts";
import { deliveryStatsV1 } from "./http/delivery-stats-v1.ts";
import { TAGS } from "./http/docs.ts";
import { answerFrameworkError, installErrorHandling } from "./http/error-handler.ts";
import { frontDoor } from "./http/front-door.ts";
import { installHostCheck } from "./http/host-header.ts";
import { installJsonParser } from "./http/json-body.ts";
import { BODY_LIMIT, MAX_HEADER_SIZE, MAX_PARAM_LENGTH } from "./http/limits.ts";
import { nefCallback } from "./http/nef-callback.ts";
import { notificationOpsV1 } from "./http/notification-ops-v1.ts";
import { notificationsV1 } from "./http/notifications-v1.ts";
import { oauthCiba } from "./http/oauth-ciba.ts";
import { oauthDiscovery } from "./http/oauth-discovery.ts";
import { oauthToken } from "./http/oauth-token.ts";
import { opsRoutes } from "./http/ops.ts";
import { qosProfilesV1 } from "./http/qos-profiles-v1.ts";
import type { RateLimits } from "./http/rate-limits.ts";
import { sandboxRoutes } from "./http/sandbox.ts";
import { type SandboxSignIn, sandboxSignInRoutes } from "./http/sandbox-sign-in.ts";
import { documentScopes, securitySchemes } from "./http/security-docs.ts";
import { sessionEventsV1 } from "./http/session-events-v1.ts";
import { sessionsV0 } from "./http/sessions-v0.ts";
import { sessionsV1 } from "./http/sessions-v1.ts";
import { EXPECTED } from "./http/validation-messages.ts";
import { serverVersion } from "./http/version.ts";
import { webhookSecretsV1 } from "./http/webhook-secrets-v1.ts";
import { RequestLog } from "./logging.ts";
import type { NetworkAdapter } from "./network/adapter.ts";
import { NefAdapter } from "./network/nef/nef-adapter.ts";
import { NetworkSimulator } from "./network/simulator.ts";
import type { RateLimit } from "./rate-limiter.ts";
import { ClientService } from "./service/clients.ts";
import type { SessionService } from "./service/session-service.ts";
import type { WebhookSecretService } from "./service/webhook-secrets.ts";
import { SandboxDeviceRepository } from "./store/sandbox-devices.ts";
import type { Database } from "./store/schema.ts";

export interface AppDeps {
  sessions: SessionService;
  /** The webhook secrets API (/notifications/v1/webhook-secrets); not served without it. */
  webhookSecrets?: WebhookSecretService;
  profiles: ProfileCatalogue;
  network: NetworkAdapter;
  apiKeys: ApiKeys;
  metrics: Registry;
  ready: () => Promise<boolean>;
  /** Unknown request properties are a 400 INVALID_ARGUMENT; when false they are dropped. @default true */
  strictProperties?: boolean;
  /**
   * Mount the simulator controls at /sandbox/v1; given the database (and clock) of each client's device
   * rules, /sandbox/v1/devices too. @default false
   */
  sandbox?: boolean | { devices: Kysely<Database>; clock: Clock };
  /** The sandbox client for the dashboard's one-click sign-in (/sandbox/v1/sign-in); not served without it. */
  sandboxSignIn?: SandboxSignIn | null;
  /** Replaces API-key authentication (the seam for OAuth2). */
  authenticator?: Authenticator;
  logger?: FastifyServerOptions["logger"];
  publicUrl?: string;
  /** The built-in authorization server and its token endpoint's per-IP limit; null: not served. */
  oauth?: { server: AuthorizationServer; rateLimit: RateLimit; ciba?: Ciba | null } | null;
  /** Per-client and per-address limits (429), and the proxies trusted to name a caller's address. @default none */
  rateLimits?: RateLimits;
  /** The built dashboard served at /dashboard/; null: not served. @default the @openqod/dashboard package's */
  dashboardDist?: string | null;
}

/** Builds the HTTP application. It never listens: main.ts does, and tests use `inject()`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const trustedProxies = deps.rateLimits?.trustedProxies ?? [];
  const app = Fastify({
    logger: deps.logger ?? false,
    // The caller's address (`request.ip`) is what the per-address limits count by.
    trustProxy: trustedProxies.length > 0 ? [...trustedProxies] : false,
    // One line per answered request (none for successes at info): logging.ts.
    logController: new RequestLog(),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // What the router, Node's parser and Node itself refuse before any route runs is CAMARA too.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    http: { requireHostHeader: false, maxHeaderSize: MAX_HEADER_SIZE },
    ajv: {
      customOptions: {
        // Strict mode rejects unknown properties (additionalProperties: false); relaxed mode strips them.
        removeAdditional: deps.strictProperties === false ? "all" : false,
        // "10" is not an integer: no silent type coercion on a wire API.
        coerceTypes: false,
        allErrors: false,
        // Errors carry the failing schema, so messages can use its words (http/validation-messages.ts).
        verbose: true,
        // Annotations for people and the OpenAPI document, not constraints.
        keywords: [EXPECTED, "x-examples"],
      },
    },
    // http/closing.ts answers during shutdown instead, in CAMARA's shape.
    return503OnClosing: false,
  });
  // Fastify parses text/plain by default; the API speaks JSON only, so anything else is a 415.
  app.removeContentTypeParser("text/plain");
  installJsonParser(app);
  app.server.on("connect", answerConnect);
  installErrorHandling(app);
  installCorrelator(app);
  installHostCheck(app);
  installClosingAnswer(app);
  deps.rateLimits?.installAuthFailureGuard(app);
  const publicUrl = deps.publicUrl ?? "http://127.0.0.1:9091";
  await app.register(swagger, {
    openapi: {
      info: {
        title: "OpenQoD",
        version: serverVersion(),
        description:
          "CAMARA Quality-On-Demand 1.1.0 and QoS Profiles 1.1.0, served by OpenQoD. Every error is `{status, code, message}`; `x-correlator` is echoed on every response.",
      },
      servers: [{ url: publicUrl }],
      tags: TAGS,
      components: { securitySchemes: securitySchemes(publicUrl) },
    },
  });
  await installApiReference(app);
  documentScopes(app);
  const oauth = deps.oauth ?? null;
  const authenticator =
    deps.authenticator ??
    new BearerAuthenticator(deps.apiKeys, oauth === null ? [] : [oauth.server.verifier]);
  const afterAuth = deps.rateLimits?.afterAuth;
  await app.register(opsRoutes, { metrics: deps.metrics, ready: deps.ready });
  const dashboardDist = deps.dashboardDist === undefined ? defaultDashboardDist : deps.dashboardDist;
  if (dashboardDist !== null) await app.register(dashboardRoutes, { dist: dashboardDist });
  await app.register(frontDoor, {
    publicUrl,
    sandbox: deps.sandbox !== undefined && deps.sandbox !== false,
    version: serverVersion(),
  });
  if (oauth !== null) {
    // Not bearer-authenticated (no requireAuth): the token endpoint authenticates clients itself.
    await app.register(oauthDiscovery, { server: oauth.server });
    const onLimited = () => deps.rateLimits?.onLimited("token_callers");
    await app.register(oauthToken, {
      server: oauth.server,
      publicUrl,
      rateLimit: oauth.rateLimit,
      onLimited,
    });
    if (oauth.ciba != null) {
      const { ciba, rateLimit, server } = oauth;
      await app.register(oauthCiba, { ciba, clients: server.clients, publicUrl, rateLimit, onLimited });
    }
  }
  await app.register(sessionsV1, {
    prefix: "/quality-on-demand/v1",
    sessions: deps.sessions,
    authenticator,
    afterAuth,
  });
  await app.register(sessionsV0, {
    prefix: "/qod/v0",
    sessions: deps.sessions,
    profiles: deps.profiles,
    authenticator,
    afterAuth,
  });
  await app.register(qosProfilesV1, {
    prefix: "/qos-profiles/v1",
    profiles: deps.profiles,
    network: deps.network,
    authenticator,
    afterAuth,
  });
  for (const plugin of [notificationsV1, notificationOpsV1, sessionEventsV1, deliveryStatsV1]) {
    await app.register(plugin, {
      prefix: "/notifications/v1",
      sessions: deps.sessions,
      authenticator,
      afterAuth,
    });
  }
  if (deps.webhookSecrets !== undefined) {
    await app.register(webhookSecretsV1, {
      prefix: "/notifications/v1",
      webhookSecrets: deps.webhookSecrets,
      authenticator,
      afterAuth,
    });
  }
  // The clients' own ApiKeys, so a revoked or rotated key stops working on this server at once.
  await app.register(clientsV1, {
    prefix: "/admin/v1",
    clients: new ClientService(deps.apiKeys, systemClock),
    authenticator,
    afterAuth,
  });
  if (deps.network instanceof NefAdapter) {
    const nef = deps.network;
    await app.register(nefCallback, { callbacks: nef.callbacks, sink: () => nef.sink });
  }
  if (deps.sandbox !== undefined && deps.sandbox !== false) {
    const rules = deps.sandbox === true ? null : deps.sandbox;
    await app.register(sandboxRoutes, {
      prefix: "/sandbox/v1",
      sessions: deps.sessions,
      authenticator,
      afterAuth,
      simulator: deps.network instanceof NetworkSimulator ? deps.network : null,
      devices:
        rules === null ? null : { devices: new SandboxDeviceRepository(rules.devices), clock: rules.clock },
    });
    // Outside sandboxRoutes, whose every route needs a key: this one hands a key out.
    if (deps.sandboxSignIn != null && deps.network instanceof NetworkSimulator) {
      await app.register(sandboxSignInRoutes, { prefix: "/sandbox/v1", signIn: deps.sandboxSignIn });
    }
  }
  return app;
}
