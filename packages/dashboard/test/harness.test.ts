import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BROWSER_TEST, seriousViolations, withPage } from "./helpers/browser.ts";
import { SANDBOX_KEY, type Sandbox, startSandbox } from "./helpers/server.ts";

// The harness the dashboard's browser tests stand on: a real server, a real sink, a real chromium.
describe("dashboard test harness", () => {
  let sandbox: Sandbox;
  before(async () => {
    if (BROWSER_TEST.skip) return;
    sandbox = await startSandbox();
  });
  after(() => sandbox?.close());

  test("a session created through the API notifies the loopback receiver", BROWSER_TEST, async () => {
    const { sessionId } = await sandbox.createSession();
    await sandbox.receiver.waitFor(1);
    assert.equal(sandbox.receiver.events[0]?.data.sessionId, sessionId);
    assert.equal(sandbox.receiver.events[0]?.data.qosStatus, "AVAILABLE");
  });

  test("the server offers the one-click sandbox sign-in to a loopback caller", BROWSER_TEST, async () => {
    const available = await fetch(`${sandbox.url}/sandbox/v1/sign-in`);
    assert.deepEqual(await available.json(), { available: true });
    const signIn = await fetch(`${sandbox.url}/sandbox/v1/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(signIn.status, 200);
    assert.equal(((await signIn.json()) as { apiKey: string }).apiKey, SANDBOX_KEY);
  });

  test(
    "the live stream sends a session's event, and dropConnections ends the stream",
    BROWSER_TEST,
    async () => {
      const res = await fetch(`${sandbox.url}/notifications/v1/session-events`, {
        headers: { authorization: `Bearer ${SANDBOX_KEY}` },
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(res.status, 200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const { sessionId } = await sandbox.createSession();
      let text = "";
      while (!text.includes(sessionId)) {
        const chunk = await reader.read();
        assert.equal(chunk.done, false, "the stream ended before the session's event");
        text += new TextDecoder().decode(chunk.value);
      }
      assert.match(text, /event: session/);
      sandbox.dropConnections();
      let ended = false;
      while (!ended)
        ended = await reader.read().then(
          (chunk) => chunk.done,
          () => true,
        );
      assert.equal(ended, true);
    },
  );

  test(
    "chromium opens the server's front page, and axe-core reports an unlabelled field",
    BROWSER_TEST,
    async () => {
      await withPage(async (page) => {
        const res = await page.goto(`${sandbox.url}/`);
        assert.equal(res?.status(), 200);
        await page.setContent('<html lang="en"><title>t</title><main><input type="text"></main></html>');
        const violations = await seriousViolations(page);
        assert.ok(
          violations.some((v) => v.startsWith("label ")),
          violations.join("\n"),
        );
      });
    },
  );
});
