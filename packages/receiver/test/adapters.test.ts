import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  bearer,
  createHarness,
  type Harness,
  SANDBOX_KEY,
  sessionBody,
} from "../../server/test/helpers/harness.ts";
import { createReceiver, type QodEvent } from "../src/index.ts";
import { adapters, type Started } from "./servers.ts";

for (const [name, start] of Object.entries(adapters)) {
  describe(`${name} adapter, receiving real OpenQoD notifications`, () => {
    let h: Harness;
    let server: Started;
    const events: QodEvent[] = [];
    before(async () => {
      h = await createHarness();
      server = await start(createReceiver({ tokens: ["rx-token"], onEvent: (e) => void events.push(e) }));
    });
    after(async () => {
      await server.close();
      await h.close();
    });

    test("CAMARA v1 and Network-as-Code notifications arrive as typed events, once each", async () => {
      const v1 = (
        await h.request(
          "POST",
          "/quality-on-demand/v1/sessions",
          sessionBody({ sink: server.url, sinkCredential: bearer("rx-token") }),
        )
      ).json();
      const v0 = (
        await h.request(
          "POST",
          "/qod/v0/sessions",
          {
            ...sessionBody({ device: { phoneNumber: "+36709876543" } }),
            webhook: { notificationUrl: server.url, notificationAuthToken: "Bearer rx-token" },
          },
          { key: null, headers: { "x-rapidapi-key": SANDBOX_KEY } },
        )
      ).json();
      await h.tick();
      await h.request("DELETE", `/quality-on-demand/v1/sessions/${v1.sessionId}`);
      await h.request("DELETE", `/quality-on-demand/v1/sessions/${v0.sessionId}`);
      await h.tick();
      const summary = events
        .map(
          (e) =>
            `${e.sessionId === v1.sessionId ? "v1" : "v0"} ${e.format} ${e.qosStatus} ${e.statusInfo ?? "-"}`,
        )
        .sort();
      assert.deepEqual(summary, [
        "v0 nac AVAILABLE SESSION_AVAILABLE",
        "v0 nac UNAVAILABLE DELETE_REQUESTED",
        "v1 cloudevent AVAILABLE -",
        "v1 cloudevent UNAVAILABLE DELETE_REQUESTED",
      ]);
      for (const id of [v1.sessionId, v0.sessionId]) {
        assert.deepEqual(
          (await h.openqod.store.outboxOfSession(id)).map((e) => e.state),
          ["delivered", "delivered"],
        );
      }
    });

    test("a sender with the wrong token gets 401, and OpenQoD records it and retries", async () => {
      const before = events.length;
      const s = (
        await h.request(
          "POST",
          "/quality-on-demand/v1/sessions",
          sessionBody({
            device: { phoneNumber: "+36701111111" },
            sink: server.url,
            sinkCredential: bearer("stolen"),
          }),
        )
      ).json();
      await h.tick();
      const [event] = await h.openqod.store.outboxOfSession(s.sessionId);
      assert.equal(event?.state, "pending");
      const attempts = await h.openqod.store.attemptsOf(event?.eventId ?? "");
      assert.equal(attempts[0]?.statusCode, 401);
      assert.equal(events.length, before);
    });

    test("with awaitHandler, a handler that fails gets OpenQoD's retry, and the notification ends delivered", async () => {
      const handled: string[] = [];
      let failures = 1;
      const awaiting = await start(
        createReceiver({
          tokens: ["rx-token"],
          awaitHandler: true,
          onEvent: (event) => {
            if (failures-- > 0) throw new Error("database down");
            handled.push(event.qosStatus);
          },
        }),
      );
      try {
        const s = (
          await h.request(
            "POST",
            "/quality-on-demand/v1/sessions",
            sessionBody({
              device: { phoneNumber: "+36702222222" },
              sink: awaiting.url,
              sinkCredential: bearer("rx-token"),
            }),
          )
        ).json();
        await h.tick();
        const [event] = await h.openqod.store.outboxOfSession(s.sessionId);
        assert.equal(event?.state, "pending");
        assert.equal((await h.openqod.store.attemptsOf(event?.eventId ?? ""))[0]?.statusCode, 500);
        assert.deepEqual(handled, []);
        // Past the second step of the retry schedule (5 s).
        h.clock.advance(60_000);
        await h.tick();
        assert.deepEqual(
          (await h.openqod.store.outboxOfSession(s.sessionId)).map((e) => e.state),
          ["delivered"],
        );
        assert.deepEqual(handled, ["AVAILABLE"]);
      } finally {
        await awaiting.close();
      }
    });
  });
}
