/** The NEF emulator's public surface: `@openqod/server/nef-emulator`. */
export type { Outage, UeBehaviour } from "./behaviour.ts";
export { CONTROL_PATH } from "./control-routes.ts";
export type { OAuthClient } from "./credentials.ts";
export { NefEmulator, type NefEmulatorOptions } from "./emulator.ts";
export { API_PATH } from "./nef-routes.ts";
export type { NotificationOutcome, NotificationRecord } from "./notifier.ts";
export { TOKEN_PATH } from "./oauth-routes.ts";
export type { RequestRecord } from "./request-log.ts";
export type { EmulatedSubscription, SubscriptionState } from "./subscriptions.ts";
