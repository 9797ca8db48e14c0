export {
  type Admin,
  type AdminClient,
  AdminError,
  CLIENT_NAME,
  ClientExistsError,
  ClientNotFoundError,
  openAdmin,
} from "./admin.ts";
export { type AppDeps, buildApp } from "./app.ts";
export { runServerCli } from "./cli.ts";
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { type Config, ConfigError, loadConfig } from "./config.ts";
export type * from "./domain/types.ts";
export { ApiError, ERRORS, type ErrorCode, type ErrorInfo } from "./errors.ts";
export { removeInterfaceClaims } from "./network/linux-tc/create.ts";
export { createOpenQod, type OpenQod, type OpenQodOptions } from "./openqod.ts";
export type {
  AttemptOutcome,
  DeliveryAttempt,
  Notification,
  NotificationState,
} from "./service/notification.ts";
export { serveHelp, settingsTable } from "./settings-docs.ts";
