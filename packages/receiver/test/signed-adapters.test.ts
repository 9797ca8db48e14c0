import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { bearer, createHarness, type Harness, sessionBody } from "../../server/test/helpers/harness.ts";
import { createReceiver, type QodEvent, type Refusal } from "../src/index.ts";
import { adapters, type Started } from "./servers.ts";

const SECRETS = "/notifications/v1/webhook-secrets";

for (const [name, start] of Object.entries(adapters)) {
  describe(`${name} adapter, verifying real OpenQoD signatures`, () => {
    let h: Harness;
    let server: Started;
    let secret: string;
    let phones = 0;
    const events: QodEvent[] = [];
    const refusals: Refusal[] = [];
    before(async () => {
      h = await createHarness();
      // The receiver checks webhook-timestamp against this machine's clock.
      h.clock.set(Date.now());
      const rotated = await h.request("POST", `${SECRETS}/rotate`);
      assert.equal(rotated.statusCode, 200, rotated.body);
      secret = rotated.json().secrets[0].secret;
      server = await start(
        createReceiver({
          tokens: [],
          webhookSecret: secret,
          onEvent: (e) => void events.push(e),
          onRefused: (r) => void refusals.push(r),
        }),
      );
    });
    after(async () => {
      await server.close();
      await h.close();
    });

    async function createSession(): Promise<string> {
      const res = await h.request(
        "POST",
        "/quality-on-demand/v1/sessions",
        sessionBody({
          device: { phoneNumber: `+3670${1_000_000 + ++phones}` },
          sink: server.url,
          sinkCredential: bearer("unused-by-this-receiver"),
        }),
      );
      assert.equal(res.statusCode, 201, res.body);
      await h.tick();
      return res.json().sessionId;
    }

    test("a signed notification is verified over the bytes sent and arrives, with the signature alone", async () => {
      const sessionId = await createSession();
      assert.deepEqual(
        events.filter((e) => e.sessionId === sessionId).map((e) => e.qosStatus),
        ["AVAILABLE"],
      );
      assert.deepEqual(
        (await h.openqod.store.outboxOfSession(sessionId)).map((e) => e.state),
        ["delivered"],
      );
    });

    test("after a rotation with no grace, a receiver still on the old secret refuses 401 bad-signature", async () => {
      const rotated = await h.request("POST", `${SECRETS}/rotate`, { graceSeconds: 0 });
      assert.equal(rotated.statusCode, 200);
      const sessionId = await createSession();
      assert.equal(
        events.some((e) => e.sessionId === sessionId),
        false,
      );
      const [attempt] = await h.openqod.store.attemptsOfSession(sessionId);
      assert.equal(attempt?.statusCode, 401);
      assert.equal(attempt?.outcome, "retry");
      // The refusal is reported after the answer: wait for it (2 s at most).
      const deadline = Date.now() + 2_000;
      while (refusals.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.equal(refusals.at(-1)?.reason, "bad-signature");
    });
  });
}
