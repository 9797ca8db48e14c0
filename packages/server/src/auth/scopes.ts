/**
 * The scopes OpenQoD knows, keyed by the operation (operationId) that needs each. CAMARA's come
 * from its definitions (Quality-On-Demand 1.1.0, QoS Profiles 1.1.0); the Network-as-Code dialect
 * reuses them for the same operations; OpenQoD's own APIs have `openqod:` ones.
 */
export const OPERATION_SCOPES = {
  createSession: "quality-on-demand:sessions:create",
  getSession: "quality-on-demand:sessions:read",
  deleteSession: "quality-on-demand:sessions:delete",
  extendQosSessionDuration: "quality-on-demand:sessions:update",
  retrieveSessionsByDevice: "quality-on-demand:sessions:retrieve-by-device",
  createSessionV0: "quality-on-demand:sessions:create",
  getSessionV0: "quality-on-demand:sessions:read",
  deleteSessionV0: "quality-on-demand:sessions:delete",
  extendSessionV0: "quality-on-demand:sessions:update",
  retrieveSessionsV0: "quality-on-demand:sessions:retrieve-by-device",
  getQosProfile: "qos-profiles:read",
  retrieveQoSProfiles: "qos-profiles:read",
  listSessions: "openqod:notifications:read",
  listSessionNotifications: "openqod:notifications:read",
  redeliverNotification: "openqod:notifications:write",
  recoverNotifications: "openqod:notifications:write",
  listSinks: "openqod:notifications:read",
  pauseSink: "openqod:operator",
  resumeSink: "openqod:operator",
  getWebhookSecrets: "openqod:notifications:write",
  rotateWebhookSecret: "openqod:notifications:write",
  deleteWebhookSecrets: "openqod:notifications:write",
  simulateNetworkTermination: "openqod:sandbox",
  simulateNetworkEvent: "openqod:sandbox",
  simulateNetworkLoss: "openqod:sandbox",
  simulateSessionExpiry: "openqod:sandbox",
  // The dashboard's reads (http/notifications-v1.ts and neighbours).
  streamSessionEvents: "openqod:notifications:read",
  getSessionTimeline: "openqod:notifications:read",
  getDeliveryStats: "openqod:notifications:read",
  // The sandbox's device registry, per client (http/sandbox-devices.ts).
  listSandboxDevices: "openqod:sandbox",
  setSandboxDevice: "openqod:sandbox",
  deleteSandboxDevice: "openqod:sandbox",
  // API clients over HTTP (http/clients-v1.ts): only operators.
  listClients: "openqod:operator",
  createClient: "openqod:operator",
  rotateClientCredentials: "openqod:operator",
  revokeClient: "openqod:operator",
} as const satisfies Record<string, string>;

export type Scope = (typeof OPERATION_SCOPES)[keyof typeof OPERATION_SCOPES];

/**
 * The operator role: every client's sessions, notifications and sinks, and pausing and resuming a
 * sink. Never implied: a client has it only when it is named in its scopes (or an IdP's token).
 */
export const OPERATOR_SCOPE = "openqod:operator";

/** Every scope OpenQoD knows, in a stable order. */
export const KNOWN_SCOPES: readonly Scope[] = [...new Set(Object.values(OPERATION_SCOPES))].sort();

/** What a client made without `--scopes` may use: every scope but the operator role. */
export const ALL_SCOPES: readonly Scope[] = KNOWN_SCOPES.filter((s) => s !== OPERATOR_SCOPE);

/** Whether a caller with `scopes` acts as an operator. */
export const isOperator = (scopes: ReadonlySet<string>): boolean => scopes.has(OPERATOR_SCOPE);

/** Scopes that are not about an API of OpenQoD but ask for something of the token itself. */
export const OPENID_SCOPE = "openid";

/** The scope an operation needs, or undefined for one that has none (it is then not authenticated). */
export function scopeOf(operationId: string | undefined): Scope | undefined {
  if (operationId === undefined || !Object.hasOwn(OPERATION_SCOPES, operationId)) return undefined;
  return OPERATION_SCOPES[operationId as keyof typeof OPERATION_SCOPES];
}

/** @returns the names in `scopes` that OpenQoD does not know. */
export function unknownScopes(scopes: readonly string[]): string[] {
  const known = new Set<string>(KNOWN_SCOPES);
  return scopes.filter((s) => !known.has(s));
}
