import assert from "node:assert/strict";
import { test } from "node:test";
import * as sdk from "../src/index.ts";

test("the package root exports exactly its public surface", () => {
  assert.deepEqual(Object.keys(sdk).sort(), [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "BadRequestError",
    "CIBA_GRANT",
    "ClearSessionsError",
    "ConflictError",
    "Device",
    "Devices",
    "InternalServerError",
    "NETWORK_AS_CODE",
    "NetworkAsCodeClient",
    "NotFoundError",
    "Notifications",
    "OAuthError",
    "OpenQodError",
    "PermissionDeniedError",
    "QodSession",
    "QosProfiles",
    "Sandbox",
    "Sessions",
    "Sinks",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "ValidationError",
    "WebhookSecrets",
    "cibaAuth",
    "isAPIError",
    "isOAuthError",
    "isOpenQodError",
  ]);
  const error = sdk.APIError.from({
    status: 409,
    code: "CONFLICT",
    message: "m",
    body: {},
    headers: new Headers(),
    correlator: "c",
  });
  assert.ok(error instanceof sdk.ConflictError && sdk.isAPIError(error) && sdk.isOpenQodError(error));
});
