import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createHarness, type Harness, NETWORK, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";

describe("operations endpoints", () => {
  let h: Harness;
  let receiver: TestReceiver;
  before(async () => {
    h = await createHarness();
    receiver = await TestReceiver.start();
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  test("/health and /ready answer without a key", async () => {
    assert.deepEqual((await h.request("GET", "/health", undefined, { key: null })).json(), { status: "UP" });
    assert.deepEqual((await h.request("GET", "/ready", undefined, { key: null })).json(), {
      status: "READY",
    });
  });

  test("/metrics counts sessions by status and deliveries by outcome", async () => {
    await h.request("POST", "/quality-on-demand/v1/sessions", sessionBody({ sink: receiver.url }));
    await h.tick();
    const text = (await h.request("GET", "/metrics", undefined, { key: null })).body;
    assert.match(text, /openqod_sessions\{qos_status="AVAILABLE"\} 1/);
    assert.match(text, /openqod_delivery_attempts_total\{outcome="delivered"\} 1/);
    assert.match(text, /openqod_delivery_latency_seconds_count 1/);
  });

  test("/openapi.json documents every operation", async () => {
    const doc = (await h.request("GET", "/openapi.json", undefined, { key: null })).json();
    const operations = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>)
      .flatMap((methods) => Object.values(methods).map((op) => op.operationId))
      .sort();
    assert.deepEqual(operations, [
      "backchannelAuthentication",
      "createClient",
      "createSession",
      "createSessionV0",
      // The device registry per client is the simulator's sandbox only.
      ...(NETWORK === "nef" ? [] : ["deleteSandboxDevice"]),
      "deleteSession",
      "deleteSessionV0",
      "deleteWebhookSecrets",
      "extendQosSessionDuration",
      "extendSessionV0",
      "getAuthorizationServerMetadata",
      "getDeliveryStats",
      "getJwks",
      "getOpenIdConfiguration",
      "getQosProfile",
      "getSession",
      "getSessionTimeline",
      "getSessionV0",
      "getWebhookSecrets",
      "listClients",
      ...(NETWORK === "nef" ? [] : ["listSandboxDevices"]),
      "listSessionNotifications",
      "listSessions",
      "listSinks",
      "pauseSink",
      "recoverNotifications",
      "redeliverNotification",
      "requestAccessToken",
      "resumeSink",
      "retrieveQoSProfiles",
      "retrieveSessionsByDevice",
      "retrieveSessionsV0",
      "revokeClient",
      "rotateClientCredentials",
      "rotateWebhookSecret",
      // The one-click sign-in is the simulator's sandbox only.
      ...(NETWORK === "nef" ? [] : ["sandboxSignInAvailable", "setSandboxDevice", "signInAsSandbox"]),
      // In front of a real network the simulator's moves are not mounted; network-terminate stays.
      ...(NETWORK === "nef" ? [] : ["simulateNetworkEvent", "simulateNetworkLoss"]),
      "simulateNetworkTermination",
      "simulateSessionExpiry",
      "streamSessionEvents",
    ]);
  });
});
