import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, type TestContext, test } from "node:test";
import { APITimeoutError, type Clock, NetworkAsCodeClient } from "../src/index.ts";
import { instantClock } from "./clock.ts";

const session = (id: string) => ({
  sessionId: id,
  qosProfile: "QOS_L",
  qosStatus: "AVAILABLE",
  duration: 3600,
  applicationServer: { ipv4Address: "233.252.0.2" },
  startedAt: "2026-06-01T12:00:00Z",
  expiresAt: "2026-06-01T13:00:00Z",
});

/**
 * A real CAMARA provider on 127.0.0.1: POST /token (OAuth2 client credentials) answers only when the
 * test says so, each with a new token; GET /quality-on-demand/v1/sessions/{id} needs one of them.
 */
async function startProvider(t: TestContext) {
  const held: ServerResponse[] = [];
  const seen: string[] = [];
  const closed: number[] = [];
  const issued = new Set<string>();
  let changed: Array<() => void> = [];
  const notify = () => {
    for (const wake of changed) wake();
    changed = [];
  };
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (done() ? resolve() : changed.push(check));
      check();
    });
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
    if (req.url === "/token") {
      const index = held.push(res) - 1;
      res.on("close", () => {
        if (!res.writableEnded) closed.push(index);
        notify();
      });
      notify();
      return;
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (token === undefined || !issued.has(token)) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: 401, code: "UNAUTHENTICATED", message: "no valid token" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(session(req.url?.split("/").pop() ?? "")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    seen,
    closed,
    /** Resolves once `count` token requests have arrived. */
    tokenRequests: (count: number) => until(() => held.length >= count),
    /** Resolves once `count` token requests were closed by the client before an answer. */
    abandoned: (count: number) => until(() => closed.length >= count),
    /** Answers the `index`th token request with a fresh token of that lifetime (s). */
    grant(index: number, expiresIn = 3600) {
      const value = `token-${index}`;
      issued.add(value);
      held[index]
        ?.writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ access_token: value, token_type: "Bearer", expires_in: expiresIn }));
    },
    client: (options: { clock?: Clock; timeoutMs?: number; maxRetries?: number } = {}) =>
      new NetworkAsCodeClient({
        target: "camara",
        baseUrl: url,
        oauth2: { tokenUrl: `${url}/token`, clientId: "app", clientSecret: "s3cret" },
        clock: instantClock().clock,
        ...options,
      }),
  };
}

const TOKEN_REQUEST = `POST /token Basic ${Buffer.from("app:s3cret").toString("base64")}`;

// Bounded: a call that waits for a token request that never comes must fail, not hang the run.
describe("OAuth2 against a real token endpoint", { timeout: 5_000 }, () => {
  test("one caller's abort ends only its own call; the others get the shared token", async (t) => {
    const p = await startProvider(t);
    const c = p.client();
    const controller = new AbortController();
    const gaveUp = c.sessions.get("a", { signal: controller.signal });
    const stayed = c.sessions.get("b");
    await p.tokenRequests(1);
    controller.abort(new Error("user gave up"));
    await assert.rejects(gaveUp, /user gave up/);
    p.grant(0);
    assert.equal((await stayed).id, "b");
    assert.deepEqual(p.seen, [TOKEN_REQUEST, "GET /quality-on-demand/v1/sessions/b Bearer token-0"]);
    assert.deepEqual(p.closed, []);
  });

  test("once every caller gave up, the token request is cancelled and the next call asks again", async (t) => {
    const p = await startProvider(t);
    const c = p.client();
    const controller = new AbortController();
    const gaveUp = c.sessions.get("a", { signal: controller.signal });
    await p.tokenRequests(1);
    controller.abort(new Error("user gave up"));
    await assert.rejects(gaveUp, /user gave up/);
    await p.abandoned(1);
    const next = c.sessions.get("b");
    await p.tokenRequests(2);
    p.grant(1);
    assert.equal((await next).id, "b");
    assert.deepEqual(p.seen, [
      TOKEN_REQUEST,
      TOKEN_REQUEST,
      "GET /quality-on-demand/v1/sessions/b Bearer token-1",
    ]);
  });

  test("a token is reused until 30 s before it expires, by the injected clock", async (t) => {
    const p = await startProvider(t);
    const time = instantClock();
    const c = p.client({ clock: time.clock });
    const first = c.sessions.get("a");
    await p.tokenRequests(1);
    p.grant(0, 60);
    await first;
    time.advance(29_000);
    await c.sessions.get("b");
    time.advance(2_000);
    const third = c.sessions.get("c");
    await p.tokenRequests(2);
    p.grant(1, 60);
    await third;
    assert.deepEqual(p.seen, [
      TOKEN_REQUEST,
      "GET /quality-on-demand/v1/sessions/a Bearer token-0",
      "GET /quality-on-demand/v1/sessions/b Bearer token-0",
      TOKEN_REQUEST,
      "GET /quality-on-demand/v1/sessions/c Bearer token-1",
    ]);
  });

  test("a token endpoint that never answers fails the call within timeoutMs, and is not left open", async (t) => {
    const p = await startProvider(t);
    const error = await p
      .client({ timeoutMs: 50, maxRetries: 0 })
      .sessions.get("a")
      .catch((e: unknown) => e);
    assert.ok(error instanceof APITimeoutError, String(error));
    await p.abandoned(1);
    assert.deepEqual(p.seen, [TOKEN_REQUEST]);
  });
});
