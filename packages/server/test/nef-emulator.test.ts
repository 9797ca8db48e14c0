import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { Agent, request } from "undici";
import { ManualClock } from "../src/clock.ts";
import type { NefEmulator } from "../src/nef-emulator/index.ts";
import { call, type NefAnswer, startEmulator, subscriptionBody } from "./helpers/nef.ts";
import { createTestPki } from "./helpers/tls.ts";

const TOKEN = "nef-test-token";
const SINK = "http://127.0.0.1:9/never-called";

/** The status, cause and invalid parameters of a ProblemDetails answer. */
function problem(answer: NefAnswer) {
  const body = answer.json as { status?: number; cause?: string; invalidParams?: { param: string }[] };
  return {
    status: answer.status,
    type: answer.headers.get("content-type")?.split(";")[0],
    cause: body.cause,
    params: body.invalidParams?.map((p) => p.param),
  };
}

describe("the NEF emulator's AsSessionWithQoS API (TS 29.122)", () => {
  let nef: NefEmulator;
  let url: string;
  const post = (body: unknown, options: { contentType?: string; token?: string } = {}) =>
    call(url, { method: "POST", body, token: TOKEN, ...options });

  before(async () => {
    nef = await startEmulator({ tokens: [TOKEN], scsAsIds: ["openqod"] });
    url = nef.subscriptionsUrl();
  });
  after(() => nef.close());
  beforeEach(() => {
    nef.reset();
    // No allocation report: these tests look at the resources, not at notifications.
    nef.setUeBehaviour("*", { allocation: "NONE" });
  });

  test("creates a subscription: 201, Location is its absolute URL, the body carries self", async () => {
    const created = await post(subscriptionBody(SINK));
    assert.equal(created.status, 201);
    const location = created.headers.get("location") ?? "";
    assert.match(
      location,
      /^http:\/\/127\.0\.0\.1:\d+\/3gpp-as-session-with-qos\/v1\/openqod\/subscriptions\/[0-9a-f-]{36}$/,
    );
    assert.deepEqual(created.json, { ...subscriptionBody(SINK), self: location });
    const read = await call(location, { token: TOKEN });
    assert.equal(read.status, 200);
    assert.deepEqual(read.json, created.json);
    assert.deepEqual((await call(url, { token: TOKEN })).json, [created.json]);
    assert.deepEqual(
      nef.subscriptions().map((s) => [s.url, s.state]),
      [[location, "PENDING"]],
    );
  });

  test("takes a gpsi alone, or with an IP address", async () => {
    const alone = await post(
      subscriptionBody(SINK, { ueIpv4Addr: undefined, gpsi: "msisdn-36721601234567" }),
    );
    assert.equal(alone.status, 201);
    const both = await post(subscriptionBody(SINK, { gpsi: "msisdn-36721601234567" }));
    assert.equal(both.status, 201);
    const v6 = await post(subscriptionBody(SINK, { ueIpv4Addr: undefined, ueIpv6Addr: "2001:db8::5" }));
    assert.equal(v6.status, 201);
  });

  const refused: [string, Record<string, unknown>, string, string[]][] = [
    ["an unknown attribute", { colour: "red" }, "INVALID_MSG_FORMAT", ["/colour"]],
    [
      "an attribute the emulator does not model",
      { ethFlowInfo: [{}] },
      "INVALID_MSG_FORMAT",
      ["/ethFlowInfo"],
    ],
    [
      "an unknown attribute inside a flow",
      { flowInfo: [{ flowId: 1, x: 1 }] },
      "INVALID_MSG_FORMAT",
      ["/flowInfo/0/x"],
    ],
    [
      "no notificationDestination",
      { notificationDestination: undefined },
      "MANDATORY_IE_MISSING",
      ["/notificationDestination"],
    ],
    [
      "no supportedFeatures on POST",
      { supportedFeatures: undefined },
      "MANDATORY_IE_MISSING",
      ["/supportedFeatures"],
    ],
    [
      "supportedFeatures that are not hexadecimal",
      { supportedFeatures: "xyz" },
      "INVALID_MSG_FORMAT",
      ["/supportedFeatures"],
    ],
    ["no UE identifier", { ueIpv4Addr: undefined }, "MANDATORY_IE_MISSING", ["/ueIpv4Addr"]],
    ["two UE addresses", { ueIpv6Addr: "2001:db8::5" }, "INVALID_MSG_FORMAT", ["/ueIpv6Addr"]],
    ["a UE address and a MAC address", { macAddr: "3a-00-00-00-00-01" }, "INVALID_MSG_FORMAT", ["/macAddr"]],
    ["an IPv4 address out of range", { ueIpv4Addr: "203.0.113.256" }, "INVALID_MSG_FORMAT", ["/ueIpv4Addr"]],
    [
      "an IPv6 address in upper case",
      { ueIpv4Addr: undefined, ueIpv6Addr: "2001:DB8::5" },
      "INVALID_MSG_FORMAT",
      ["/ueIpv6Addr"],
    ],
    ["an empty gpsi", { gpsi: "" }, "INVALID_MSG_FORMAT", ["/gpsi"]],
    [
      "ipDomain without ueIpv4Addr",
      { ueIpv4Addr: undefined, gpsi: "msisdn-123456", ipDomain: "d" },
      "INVALID_MSG_FORMAT",
      ["/ipDomain"],
    ],
    [
      "a negative duration",
      { usageThreshold: { duration: -1 } },
      "INVALID_MSG_FORMAT",
      ["/usageThreshold/duration"],
    ],
    [
      "a duration as a string",
      { usageThreshold: { duration: "60" } },
      "INVALID_MSG_FORMAT",
      ["/usageThreshold/duration"],
    ],
    [
      "an event the spec does not define",
      { events: ["SESSION_TERMINATION", "TEA_READY"] },
      "INVALID_MSG_FORMAT",
      ["/events/1"],
    ],
    ["an empty event list", { events: [] }, "INVALID_MSG_FORMAT", ["/events"]],
    ["no flow and no exterAppId", { flowInfo: undefined }, "MANDATORY_IE_MISSING", ["/flowInfo"]],
    ["no qosReference", { qosReference: undefined }, "MANDATORY_IE_MISSING", ["/qosReference"]],
    [
      "three flow descriptions in one flow",
      {
        flowInfo: [
          {
            flowId: 1,
            flowDescriptions: [
              "permit out ip from any to any",
              "permit in ip from any to any",
              "permit out ip from any to any",
            ],
          },
        ],
      },
      "INVALID_MSG_FORMAT",
      ["/flowInfo/0/flowDescriptions"],
    ],
    [
      "a flow description that is not an IPFilterRule",
      {
        flowInfo: [
          { flowId: 1, flowDescriptions: ["permit out ip from 198.51.100.1 to 203.0.113.5", "allow all"] },
        ],
      },
      "INVALID_MSG_FORMAT",
      ["/flowInfo/0/flowDescriptions/1"],
    ],
    [
      "a notificationDestination that is no URL",
      { notificationDestination: "sessions/1" },
      "INVALID_MSG_FORMAT",
      ["/notificationDestination"],
    ],
  ];
  for (const [what, overrides, cause, params] of refused) {
    test(`refuses a create with ${what}: 400 ${cause} ${params.join(", ")}`, async () => {
      const answer = await post(subscriptionBody(SINK, overrides));
      assert.deepEqual(problem(answer), { status: 400, type: "application/problem+json", cause, params });
      assert.equal(nef.subscriptions().length, 0);
    });
  }

  test("refuses a body that is not JSON: 400 INVALID_MSG_FORMAT", async () => {
    const answer = await post("{not json");
    assert.deepEqual(problem(answer), {
      status: 400,
      type: "application/problem+json",
      cause: "INVALID_MSG_FORMAT",
      params: ["/"],
    });
  });

  test("refuses a create that is not application/json: 415", async () => {
    const answer = await post(JSON.stringify(subscriptionBody(SINK)), { contentType: "text/plain" });
    assert.deepEqual(problem(answer), {
      status: 415,
      type: "application/problem+json",
      cause: "UNSUPPORTED_MEDIA_TYPE",
      params: ["Content-Type"],
    });
  });

  test("answers an unknown SCS/AS 404 RESOURCE_URI_STRUCTURE_NOT_FOUND", async () => {
    const answer = await call(nef.subscriptionsUrl("someone-else"), {
      method: "POST",
      body: subscriptionBody(SINK),
      token: TOKEN,
    });
    assert.deepEqual(problem(answer), {
      status: 404,
      type: "application/problem+json",
      cause: "RESOURCE_URI_STRUCTURE_NOT_FOUND",
      params: undefined,
    });
  });

  test("answers an unknown subscription 404 CONTEXT_NOT_FOUND on GET, PUT, PATCH and DELETE", async () => {
    const missing = `${url}/no-such-subscription`;
    const answers = [
      await call(missing, { token: TOKEN }),
      await call(missing, { method: "PUT", body: subscriptionBody(SINK), token: TOKEN }),
      await call(missing, {
        method: "PATCH",
        body: {},
        contentType: "application/merge-patch+json",
        token: TOKEN,
      }),
      await call(missing, { method: "DELETE", token: TOKEN }),
    ];
    assert.deepEqual(
      answers.map((a) => [a.status, problem(a).cause]),
      Array(4).fill([404, "CONTEXT_NOT_FOUND"]),
    );
  });

  test("answers a body over 1 MiB 413 as ProblemDetails", async () => {
    const answer = await post(JSON.stringify({ padding: "x".repeat(1024 * 1024) }));
    assert.deepEqual([answer.status, problem(answer).type], [413, "application/problem+json"]);
  });

  test("answers a method a resource does not have 405 with Allow", async () => {
    const onCollection = await call(url, { method: "DELETE", token: TOKEN });
    const onIndividual = await call(`${url}/some-id`, { method: "POST", body: {}, token: TOKEN });
    assert.deepEqual(
      [onCollection, onIndividual].map((a) => [a.status, a.headers.get("allow"), problem(a).type]),
      [
        [405, "GET, POST", "application/problem+json"],
        [405, "GET, PUT, PATCH, DELETE", "application/problem+json"],
      ],
    );
  });

  test("answers 401 with WWW-Authenticate without a token, with an unknown one, or with Basic", async () => {
    const none = await call(url, {});
    const wrong = await call(url, { token: "guess" });
    const basic = await call(url, { headers: { authorization: "Basic dTpw" } });
    assert.deepEqual(
      [none, wrong, basic].map((a) => [a.status, a.headers.get("www-authenticate"), problem(a).type]),
      [
        [401, 'Bearer error="invalid_request"', "application/problem+json"],
        [401, 'Bearer error="invalid_token"', "application/problem+json"],
        [401, 'Bearer error="invalid_request"', "application/problem+json"],
      ],
    );
  });

  test("extends with a merge patch of usageThreshold: 200 with the subscription as it is now", async () => {
    const location = (await post(subscriptionBody(SINK))).headers.get("location") ?? "";
    const patched = await call(location, {
      method: "PATCH",
      body: { usageThreshold: { duration: 120 } },
      contentType: "application/merge-patch+json",
      token: TOKEN,
    });
    assert.equal(patched.status, 200);
    assert.deepEqual((patched.json as { usageThreshold: unknown }).usageThreshold, { duration: 120 });
    assert.deepEqual(
      ((await call(location, { token: TOKEN })).json as { usageThreshold: unknown }).usageThreshold,
      {
        duration: 120,
      },
    );
    const cleared = await call(location, {
      method: "PATCH",
      body: { usageThreshold: { duration: null } },
      contentType: "application/merge-patch+json",
      token: TOKEN,
    });
    assert.deepEqual((cleared.json as { usageThreshold: unknown }).usageThreshold, {});
  });

  test("refuses a PATCH that is not merge-patch+json (415) or names an unknown attribute (400)", async () => {
    const location = (await post(subscriptionBody(SINK))).headers.get("location") ?? "";
    const asJson = await call(location, {
      method: "PATCH",
      body: { usageThreshold: { duration: 120 } },
      token: TOKEN,
    });
    assert.deepEqual([asJson.status, problem(asJson).cause], [415, "UNSUPPORTED_MEDIA_TYPE"]);
    const unknown = await call(location, {
      method: "PATCH",
      body: { usageThreshold: { seconds: 120 } },
      contentType: "application/merge-patch+json",
      token: TOKEN,
    });
    assert.deepEqual(problem(unknown), {
      status: 400,
      type: "application/problem+json",
      cause: "INVALID_MSG_FORMAT",
      params: ["/usageThreshold/seconds"],
    });
    const ueChange = await call(location, {
      method: "PATCH",
      body: { ueIpv4Addr: "203.0.113.9" },
      contentType: "application/merge-patch+json",
      token: TOKEN,
    });
    assert.deepEqual(problem(ueChange).params, ["/ueIpv4Addr"]);
  });

  test("replaces with PUT (supportedFeatures not needed), but not to another UE (403 MODIFICATION_NOT_ALLOWED)", async () => {
    const location = (await post(subscriptionBody(SINK))).headers.get("location") ?? "";
    const body = subscriptionBody(SINK, { supportedFeatures: undefined, qosReference: "qos-l" });
    const replaced = await call(location, { method: "PUT", body, token: TOKEN });
    assert.equal(replaced.status, 200);
    assert.deepEqual(replaced.json, { ...body, self: location });
    const moved = await call(location, {
      method: "PUT",
      body: subscriptionBody(SINK, { ueIpv4Addr: "203.0.113.9" }),
      token: TOKEN,
    });
    assert.deepEqual([moved.status, problem(moved).cause], [403, "MODIFICATION_NOT_ALLOWED"]);
  });

  test("deletes: 204, then the subscription is gone (404)", async () => {
    const location = (await post(subscriptionBody(SINK))).headers.get("location") ?? "";
    const deleted = await call(location, { method: "DELETE", token: TOKEN });
    assert.deepEqual([deleted.status, deleted.json], [204, null]);
    assert.equal((await call(location, { token: TOKEN })).status, 404);
    assert.equal((await call(location, { method: "DELETE", token: TOKEN })).status, 404);
    assert.deepEqual(nef.subscriptions(), []);
  });

  test("logs each request with its body and status, the credentials redacted", async () => {
    await post(subscriptionBody(SINK));
    await call(url, { token: "guess" });
    assert.deepEqual(
      nef
        .requests()
        .map((r) => [
          r.method,
          r.url,
          r.authorization,
          r.status,
          (r.body as { qosReference?: string } | null)?.qosReference,
        ]),
      [
        ["POST", "/3gpp-as-session-with-qos/v1/openqod/subscriptions", "Bearer <redacted>", 201, "qos-e"],
        ["GET", "/3gpp-as-session-with-qos/v1/openqod/subscriptions", "Bearer <redacted>", 401, undefined],
      ],
    );
  });
});

describe("the NEF emulator's OAuth2 token endpoint (client_credentials)", () => {
  const clock = new ManualClock();
  let nef: NefEmulator;
  const form = (fields: Record<string, string>, authorization?: string) =>
    fetch(nef.tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(authorization === undefined ? {} : { authorization }),
      },
      body: new URLSearchParams(fields).toString(),
    });
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

  before(async () => {
    nef = await startEmulator({
      clock,
      tokens: ["static-token"],
      oauthClients: [{ clientId: "openqod", clientSecret: "s3cret:with+chars" }],
      tokenLifetimeSeconds: 60,
    });
  });
  after(() => nef.close());

  test("issues a bearer token with client_secret_basic and with client_secret_post", async () => {
    const secret = encodeURIComponent("s3cret:with+chars");
    const viaBasic = await form({ grant_type: "client_credentials" }, basic("openqod", secret));
    const viaPost = await form({
      grant_type: "client_credentials",
      client_id: "openqod",
      client_secret: "s3cret:with+chars",
    });
    for (const answer of [viaBasic, viaPost]) {
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get("cache-control"), "no-store");
      const token = (await answer.json()) as { access_token: string; token_type: string; expires_in: number };
      assert.deepEqual(
        [token.token_type, token.expires_in, token.access_token.length > 20],
        ["Bearer", 60, true],
      );
      assert.equal((await call(nef.subscriptionsUrl(), { token: token.access_token })).status, 200);
    }
  });

  test("refuses a wrong secret (401 invalid_client) and another grant (400 unsupported_grant_type)", async () => {
    const wrong = await form({
      grant_type: "client_credentials",
      client_id: "openqod",
      client_secret: "guess",
    });
    assert.deepEqual(
      [wrong.status, ((await wrong.json()) as { error: string }).error],
      [401, "invalid_client"],
    );
    assert.equal(wrong.headers.get("www-authenticate"), 'Basic realm="nef-emulator"');
    const password = await form({
      grant_type: "password",
      client_id: "openqod",
      client_secret: "s3cret:with+chars",
    });
    assert.deepEqual(
      [password.status, ((await password.json()) as { error: string }).error],
      [400, "unsupported_grant_type"],
    );
    const json = await fetch(nef.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.deepEqual(
      [json.status, ((await json.json()) as { error: string }).error],
      [400, "invalid_request"],
    );
  });

  test("a token stops working when its lifetime runs out on the clock; a static token does not", async () => {
    const answer = await form({
      grant_type: "client_credentials",
      client_id: "openqod",
      client_secret: "s3cret:with+chars",
    });
    const token = ((await answer.json()) as { access_token: string }).access_token;
    clock.advance(59_999);
    assert.equal((await call(nef.subscriptionsUrl(), { token })).status, 200);
    clock.advance(1);
    const expired = await call(nef.subscriptionsUrl(), { token });
    assert.deepEqual(
      [expired.status, expired.headers.get("www-authenticate"), (expired.json as { detail: string }).detail],
      [401, 'Bearer error="invalid_token"', "token expired"],
    );
    assert.equal((await call(nef.subscriptionsUrl(), { token: "static-token" })).status, 200);
  });

  test("expires every issued token on command over HTTP", async () => {
    const answer = await form({
      grant_type: "client_credentials",
      client_id: "openqod",
      client_secret: "s3cret:with+chars",
    });
    const token = ((await answer.json()) as { access_token: string }).access_token;
    assert.equal((await call(nef.subscriptionsUrl(), { token })).status, 200);
    assert.equal((await call(`${nef.apiRoot}/emulator/v1/tokens/expire`, { method: "POST" })).status, 204);
    assert.equal((await call(nef.subscriptionsUrl(), { token })).status, 401);
  });
});

describe("the NEF emulator over HTTPS", () => {
  test("serves with a certificate of a private CA: trusted with that CA, refused without it", async () => {
    const pki = await createTestPki();
    const nef = await startEmulator({ tls: { cert: pki.cert, key: pki.key } });
    try {
      assert.match(nef.apiRoot, /^https:\/\/127\.0\.0\.1:\d+$/);
      const trusted = new Agent({ connect: { ca: pki.ca } });
      const answer = await request(nef.subscriptionsUrl(), { dispatcher: trusted });
      assert.deepEqual([answer.statusCode, await answer.body.json()], [200, []]);
      await trusted.close();
      await assert.rejects(request(nef.subscriptionsUrl()), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    } finally {
      await nef.close();
      await pki.remove();
    }
  });
});
