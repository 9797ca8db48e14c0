import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "../../src/clock.ts";
import { NefEmulator } from "../../src/nef-emulator/index.ts";
import { closedPort } from "./nef-adapter.ts";

/**
 * The network this test run puts behind every harness: test/run.ts runs the lifecycle part of the suite
 * again with OPENQOD_TEST_NETWORK=nef, in front of a NEF emulator instead of the simulator.
 */
export const NETWORK: "simulator" | "nef" = process.env.OPENQOD_TEST_NETWORK === "nef" ? "nef" : "simulator";

const TOKEN = "nef-suite-token";

/** A NEF emulator on 127.0.0.1 and the settings that put an OpenQoD in front of it. */
export interface NefNetwork {
  emulator: NefEmulator;
  /** OPENQOD_NETWORK=nef and the OPENQOD_NEF_* settings. */
  env: Record<string, string>;
  /** The port OpenQoD must listen on: the emulator's notifications arrive there. */
  callbackPort: number;
  /** Lets the allocation reports the emulator is about to send, and the notifications under way, land. */
  settle(): Promise<void>;
}

/**
 * Starts an emulator that mirrors the simulator: every create is allocated before the NEF's 201, so a
 * 201 is AVAILABLE (as with the simulator, and through the early-event path), and the test identifiers
 * behave as the README says, in the NEF's words.
 */
export async function startNefNetwork(clock: Clock): Promise<NefNetwork> {
  const emulator = new NefEmulator({
    clock,
    tokens: [TOKEN],
    notificationAttempts: 5,
    notificationRetryDelayMs: 10,
  });
  const apiRoot = await emulator.start();
  mirrorTestIdentifiers(emulator);
  const callbackPort = await closedPort();
  return {
    emulator,
    callbackPort,
    env: {
      OPENQOD_NETWORK: "nef",
      OPENQOD_NEF_URL: apiRoot,
      OPENQOD_NEF_SCS_AS_ID: "openqod",
      OPENQOD_NEF_TOKEN: TOKEN,
      OPENQOD_NEF_CALLBACK_URL: `http://127.0.0.1:${callbackPort}`,
      OPENQOD_NEF_CALLBACK_SECRET: "nef-suite-callback-secret",
      OPENQOD_NEF_TIMEOUT: "2s",
    },
    async settle() {
      // An allocation report after the 201 leaves on a 0 ms timer armed once the answer is out: one
      // timer turn later it is under way, and settled() waits until OpenQoD has answered it.
      await sleep(2);
      await emulator.notificationsSettled();
    },
  };
}

/** The UE behaviours of the simulator's test identifiers (network/device-registry.ts TEST_DEVICES). */
export function mirrorTestIdentifiers(emulator: NefEmulator): void {
  emulator.setUeBehaviour("*", { allocateBeforeAnswer: true });
  // NOT_FOUND: the NEF relays the PCF's "no PDU session for this UE" (→ 404 IDENTIFIER_NOT_FOUND).
  emulator.setUeBehaviour("msisdn-99999990404", { unknown: true });
  // SERVICE_NOT_APPLICABLE: the NEF will not serve this UE (→ 422 SERVICE_NOT_APPLICABLE).
  emulator.setUeBehaviour("msisdn-99999990422", {
    refuse: { status: 403, cause: "REQUESTED_SERVICE_NOT_AUTHORIZED" },
  });
  // REFUSE: REQUESTED in the 201, then the network fails the allocation.
  emulator.setUeBehaviour("msisdn-99999990503", { allocation: "FAILED" });
  // REQUESTED for 2 s (real time: the emulator's allocation delay is not read on the clock).
  emulator.setUeBehaviour("msisdn-99999990202", { allocationDelayMs: 2_000 });
  // PENDING: REQUESTED until an event or the grant timeout.
  emulator.setUeBehaviour("msisdn-99999990102", { allocation: "NONE" });
  // No QoS profile at all: the NEF refuses every qosReference (→ 422 QOS_PROFILE_NOT_APPLICABLE).
  emulator.setUeBehaviour("msisdn-99999990204", { refuse: { status: 403, cause: "QOS_NOT_AUTHORIZED" } });
}
