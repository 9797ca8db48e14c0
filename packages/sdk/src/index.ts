export type { OAuth2ClientCredentials } from "./auth.ts";
export { type ClientOptions, NETWORK_AS_CODE, NetworkAsCodeClient } from "./client.ts";
export type { Clock } from "./clock.ts";
export { Device, Devices } from "./device.ts";
export {
  APIConnectionError,
  APIError,
  type APIErrorInit,
  APITimeoutError,
  BadRequestError,
  ClearSessionsError,
  ConflictError,
  InternalServerError,
  isAPIError,
  isOpenQodError,
  NotFoundError,
  OpenQodError,
  PermissionDeniedError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableEntityError,
  ValidationError,
} from "./errors.ts";
export { Notifications } from "./notifications.ts";
export { QosProfiles } from "./qos-profiles.ts";
export { Sandbox } from "./sandbox.ts";
export { QodSession, Sessions } from "./session.ts";
export type * from "./types.ts";
