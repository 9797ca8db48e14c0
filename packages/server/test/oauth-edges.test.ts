import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ALL_SCOPES } from "../src/auth/scopes.ts";
import { ConfigError } from "../src/config.ts";
import type { Device } from "../src/domain/types.ts";
import { createHarness, type Harness } from "./helpers/harness.ts";

const FORM = { "content-type": "application/x-www-form-urlencoded" };

describe("the authorization server at its edges", () => {
  let h: Harness;
  let sandbox: { clientId: string; secret: string };
  before(async () => {
    h = await createHarness();
    const client = h.openqod.sandboxClient;
    assert.ok(client !== null && client.secret !== null);
    sandbox = { clientId: client.clientId, secret: client.secret };
  });
  after(() => h.close());

  const token = (payload: string, headers: Record<string, string> = {}, remoteAddress = "127.0.0.1") =>
    h.openqod.app.inject({
      method: "POST",
      url: "/oauth2/v1/token",
      headers: { ...FORM, ...headers },
      payload,
      remoteAddress,
    });

  test("an error raised before the endpoint runs (a bad x-correlator) is a 400 in both shapes, not a 500", async () => {
    const res = await token("grant_type=client_credentials", { "x-correlator": "not a correlator!" });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.code, "INVALID_ARGUMENT");
    assert.equal(body.error, "invalid_request");
    assert.equal(typeof body.error_description, "string");
  });

  test("a client_id longer than any client's is invalid_client, and is not remembered", async () => {
    const res = await token(
      `grant_type=client_credentials&client_id=${"x".repeat(5_000)}&client_secret=nope`,
    );
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error, "invalid_client");
  });

  test("wrong secrets hold a client at that address only: the client still gets its token elsewhere", async () => {
    const wrong = `grant_type=client_credentials&client_id=${sandbox.clientId}&client_secret=wrong`;
    for (let i = 0; i < 5; i++) assert.equal((await token(wrong, {}, "192.0.2.66")).statusCode, 401);
    const right = `grant_type=client_credentials&client_id=${sandbox.clientId}&client_secret=${sandbox.secret}`;
    const held = await token(right, {}, "192.0.2.66");
    assert.equal(held.statusCode, 429);
    assert.equal(held.json().code, "TOO_MANY_REQUESTS");
    assert.equal((await token(right, {}, "192.0.2.67")).statusCode, 200);
  });

  test("a CIBA login_hint with an IPv6 zone id is refused: it names an interface of this host", async () => {
    const basic = Buffer.from(`${sandbox.clientId}:${sandbox.secret}`).toString("base64");
    const res = await h.openqod.app.inject({
      method: "POST",
      url: "/oauth2/v1/bc-authorize",
      headers: { ...FORM, authorization: `Basic ${basic}` },
      payload: `scope=openid&login_hint=${encodeURIComponent("ipv6:fe80::1%eth0")}`,
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, "invalid_request");
  });

  for (const device of [
    { ipv4Address: { publicAddress: "203.0.113.7", publicPort: 4242 } },
    { ipv4Address: { publicAddress: "203.0.113.8", privateAddress: "203.0.113.8" } },
    { ipv6Address: "2001:db8::7" },
  ] satisfies Device[]) {
    test(`a token bound to ${JSON.stringify(device)} creates that device's session`, async () => {
      const server = h.openqod.authorizationServer;
      assert.ok(server !== null);
      const bound = (await server.tokens.issue(sandbox.clientId, { scopes: [...ALL_SCOPES], device }))
        .access_token;
      const res = await h.request(
        "POST",
        "/quality-on-demand/v1/sessions",
        { applicationServer: { ipv4Address: "233.252.0.2" }, qosProfile: "QOS_L", duration: 60 },
        { key: bound },
      );
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().device, undefined);
      const session = await h.openqod.store.getSession(res.json().sessionId);
      assert.ok(session?.deviceKey.startsWith(device.ipv6Address === undefined ? "ipv4:" : "ipv6:"));
    });
  }
});

describe("an external issuer that is OpenQoD's own", () => {
  test("is refused at start: one verifier would take the other's tokens", async () => {
    await assert.rejects(
      createHarness({
        OPENQOD_PUBLIC_URL: "http://127.0.0.1:9091",
        OPENQOD_OAUTH_ISSUER: "http://127.0.0.1:9091/",
      }),
      (error: unknown) => error instanceof ConfigError && /OPENQOD_OAUTH_ISSUER/.test(error.message),
    );
  });
});
