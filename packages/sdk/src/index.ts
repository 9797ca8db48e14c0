export type { Auth, AuthContext } from "./auth.ts";
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
  isOAuthError,
  isOpenQodError,
  NotFoundError,
  OAuthError,
  OpenQodError,
  PermissionDeniedError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableEntityError,
  ValidationError,
} from "./errors.ts";
export { Notifications } from "./notifications.ts";
export { CIBA_GRANT, type CibaAuth, type CibaOptions, cibaAuth, type LoginHint } from "./oauth2/ciba.ts";
export type {
  ClientAssertionAlg,
  ClientAuthentication,
  ClientSecretAuthentication,
  OAuth2ClientCredentials,
  OAuth2Endpoints,
  PrivateJwk,
  PrivateKeyJwtAuthentication,
} from "./oauth2/types.ts";
export { QosProfiles } from "./qos-profiles.ts";
export { Sandbox } from "./sandbox.ts";
export { QodSession, Sessions } from "./session.ts";
export { Sinks } from "./sinks.ts";
export type * from "./types.ts";
export { type WebhookSecret, WebhookSecrets } from "./webhook-secrets.ts";
