import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { KNOWN_SCOPES } from "../src/auth/scopes.ts";
import { dropDatabase } from "./helpers/engine.ts";
import { createHarness, type Harness, SANDBOX_KEY } from "./helpers/harness.ts";

const JSON_TYPE = { "content-type": "application/json" };

describe("one-click sign-in as the sandbox client, on a sandbox bound to loopback", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ OPENQOD_HOST: "127.0.0.1" });
  });
  after(() => h.close());

  const signIn = (headers: Record<string, string>, remoteAddress = "127.0.0.1") =>
    h.openqod.app.inject({
      method: "POST",
      url: "/sandbox/v1/sign-in",
      headers,
      payload: "{}",
      remoteAddress,
    });

  test("answers the sandbox key, which works and carries the operator role", async () => {
    const res = await signIn({ host: "localhost:3000", ...JSON_TYPE });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { clientId: string; apiKey: string; scopes: string[] };
    assert.equal(body.apiKey, SANDBOX_KEY);
    assert.equal(body.clientId, h.openqod.sandboxClient?.clientId);
    assert.deepEqual(body.scopes, [...KNOWN_SCOPES]);
    assert.ok(body.scopes.includes("openqod:operator"));
    // Only an operator may pause a sink (the test on 0.0.0.0 below gets 403).
    const paused = await h.request(
      "POST",
      "/notifications/v1/sinks/pause",
      { origin: "https://example.com" },
      { key: body.apiKey },
    );
    assert.equal(paused.statusCode, 200, paused.body);
  });

  test("a loopback Host may be 127.0.0.1 or [::1] with any port", async () => {
    for (const host of ["127.0.0.1:8080", "[::1]:9", "localhost"]) {
      assert.equal((await signIn({ host, ...JSON_TYPE })).statusCode, 200, host);
    }
  });

  test("GET says it is available to a loopback caller", async () => {
    const res = await h.openqod.app.inject({
      method: "GET",
      url: "/sandbox/v1/sign-in",
      headers: { host: "127.0.0.1:3000" },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { available: true });
  });

  test("a non-loopback Host (DNS rebinding) is 404 NOT_FOUND, and GET says unavailable", async () => {
    const res = await signIn({ host: "evil.example:3000", ...JSON_TYPE });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, "NOT_FOUND");
    const get = await h.openqod.app.inject({
      method: "GET",
      url: "/sandbox/v1/sign-in",
      headers: { host: "evil.example" },
    });
    assert.deepEqual(get.json(), { available: false });
  });

  test("a caller from another machine is 404 NOT_FOUND", async () => {
    const res = await signIn({ host: "localhost", ...JSON_TYPE }, "192.0.2.7");
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, "NOT_FOUND");
  });

  test("a request a proxy forwarded (nginx in front of the sandbox) is 404 NOT_FOUND, from loopback too", async () => {
    for (const header of ["x-forwarded-for", "forwarded", "x-real-ip", "via"]) {
      const res = await signIn({ host: "127.0.0.1:9091", [header]: "203.0.113.9", ...JSON_TYPE });
      assert.equal(res.statusCode, 404, header);
      assert.equal(res.json().code, "NOT_FOUND");
    }
  });

  test("another method is 405 METHOD_NOT_ALLOWED", async () => {
    const res = await h.openqod.app.inject({
      method: "DELETE",
      url: "/sandbox/v1/sign-in",
      headers: { host: "localhost" },
    });
    assert.equal(res.statusCode, 405);
    assert.equal(res.json().code, "METHOD_NOT_ALLOWED");
  });

  test("a text/plain or form body (no CORS preflight) is 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const res = await signIn({ host: "localhost", "content-type": type });
      assert.equal(res.statusCode, 415, type);
      assert.equal(res.json().code, "UNSUPPORTED_MEDIA_TYPE", type);
    }
  });
});

describe("sign-in on a sandbox bound to every address", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ OPENQOD_HOST: "0.0.0.0" });
  });
  after(() => h.close());

  test("POST is 404 NOT_FOUND even from loopback, and GET says unavailable", async () => {
    const res = await h.openqod.app.inject({
      method: "POST",
      url: "/sandbox/v1/sign-in",
      headers: { host: "localhost", ...JSON_TYPE },
      payload: "{}",
      remoteAddress: "127.0.0.1",
    });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, "NOT_FOUND");
    const get = await h.openqod.app.inject({
      method: "GET",
      url: "/sandbox/v1/sign-in",
      headers: { host: "localhost" },
    });
    assert.deepEqual(get.json(), { available: false });
  });

  test("the sandbox client is not an operator there: 403 PERMISSION_DENIED pausing a sink", async () => {
    const res = await h.request("POST", "/notifications/v1/sinks/pause", { origin: "https://example.com" });
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json().code, "PERMISSION_DENIED");
  });
});

describe("the sandbox client's operator role follows the address of every start", () => {
  test("served on loopback it is an operator; the same data served on 0.0.0.0 next, it is not", async () => {
    const dir = await mkdtemp(join(tmpdir(), "openqod-sign-in-"));
    const pause = (h: Harness) =>
      h.request("POST", "/notifications/v1/sinks/pause", { origin: "https://example.com" });
    const onLoopback = await createHarness({ OPENQOD_HOST: "127.0.0.1" }, dir);
    try {
      assert.equal((await pause(onLoopback)).statusCode, 200);
    } finally {
      await onLoopback.close();
    }
    const everywhere = await createHarness({ OPENQOD_HOST: "0.0.0.0" }, dir);
    try {
      const res = await pause(everywhere);
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, "PERMISSION_DENIED");
    } finally {
      await everywhere.close();
      await rm(dir, { recursive: true, force: true });
      await dropDatabase(dir);
    }
  });
});
