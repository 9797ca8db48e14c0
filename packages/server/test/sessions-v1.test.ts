import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { bearer, createHarness, type Harness, sessionBody } from "./helpers/harness.ts";

const BASE = "/quality-on-demand/v1";

describe("CAMARA QoD v1 sessions", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  let phone = 36_700_000_000;
  /** A fresh device per test, so sessions of different tests never conflict. */
  const device = () => ({ phoneNumber: `+${++phone}` });

  async function create(overrides: Record<string, unknown> = {}) {
    const res = await h.request("POST", `${BASE}/sessions`, sessionBody({ device: device(), ...overrides }));
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  }

  async function expectError(res: { statusCode: number; json(): unknown }, status: number, code: string) {
    assert.equal(res.statusCode, status);
    const body = res.json() as { status: number; code: string; message: string };
    assert.equal(body.code, code);
    assert.equal(body.status, status);
    assert.ok(body.message.length > 10, "the message says what to fix");
  }

  test("creates a session that is AVAILABLE at once, with startedAt, expiresAt and duration per the spec", async () => {
    const body = await create({
      duration: 600,
      devicePorts: { ports: [5060] },
      applicationServerPorts: { ranges: [{ from: 5010, to: 5020 }] },
    });
    assert.match(body.sessionId, /^[0-9a-f-]{36}$/);
    assert.equal(body.qosStatus, "AVAILABLE");
    assert.equal(body.duration, 600);
    assert.equal(body.startedAt, new Date(h.clock.now()).toISOString());
    assert.equal(body.expiresAt, new Date(h.clock.now() + 600_000).toISOString());
    assert.deepEqual(body.devicePorts, { ports: [5060] });
    assert.deepEqual(body.applicationServerPorts, { ranges: [{ from: 5010, to: 5020 }] });
    assert.equal(body.statusInfo, undefined);
  });

  test("echoes only the one device identifier it chose", async () => {
    const body = await create({
      device: {
        networkAccessIdentifier: "device@testcsp.net",
        ipv4Address: { publicAddress: "233.252.0.2", privateAddress: "192.0.2.25", publicPort: 80 },
        ipv6Address: "2001:db8:1234:5678:9abc:def0:fedc:ba98",
        phoneNumber: "+36721601234567",
      },
    });
    assert.deepEqual(body.device, { phoneNumber: "+36721601234567" });
    const v4 = await create({
      device: { ipv4Address: { publicAddress: "233.252.0.9", publicPort: 443 }, ipv6Address: "2001:db8::9" },
    });
    assert.deepEqual(v4.device, { ipv4Address: { publicAddress: "233.252.0.9", publicPort: 443 } });
  });

  test("never returns the sink's access token", async () => {
    const body = await create({
      sink: "https://app.example.com/notify",
      sinkCredential: bearer("s3cr3t-token"),
    });
    assert.equal(body.sink, "https://app.example.com/notify");
    const got = await h.request("GET", `${BASE}/sessions/${body.sessionId}`);
    for (const text of [JSON.stringify(body), got.body]) {
      assert.ok(!text.includes("s3cr3t-token"));
      assert.ok(!text.includes("sinkCredential"));
    }
  });

  test("reads a session back", async () => {
    const created = await create();
    const res = await h.request("GET", `${BASE}/sessions/${created.sessionId}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), created);
  });

  test("deletes a session: 204, then 404", async () => {
    const created = await create();
    const del = await h.request("DELETE", `${BASE}/sessions/${created.sessionId}`);
    assert.equal(del.statusCode, 204);
    assert.equal(del.body, "");
    await expectError(await h.request("GET", `${BASE}/sessions/${created.sessionId}`), 404, "NOT_FOUND");
    await expectError(await h.request("DELETE", `${BASE}/sessions/${created.sessionId}`), 404, "NOT_FOUND");
  });

  test("extends an AVAILABLE session and caps the overall duration at the profile's maximum", async () => {
    const created = await create({ duration: 80_000 });
    const res = await h.request("POST", `${BASE}/sessions/${created.sessionId}/extend`, {
      requestedAdditionalDuration: 1000,
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().duration, 81_000);
    const capped = await h.request("POST", `${BASE}/sessions/${created.sessionId}/extend`, {
      requestedAdditionalDuration: 30_000,
    });
    assert.equal(capped.json().duration, 86_400);
    assert.equal(capped.json().expiresAt, new Date(Date.parse(created.startedAt) + 86_400_000).toISOString());
  });

  test("rejects an extension of less than one second", async () => {
    const created = await create();
    await expectError(
      await h.request("POST", `${BASE}/sessions/${created.sessionId}/extend`, {
        requestedAdditionalDuration: 0,
      }),
      400,
      "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
    );
  });

  test("retrieves a device's sessions, and an empty list for a device without any", async () => {
    const d = device();
    const a = await create({ device: d, applicationServer: { ipv4Address: "198.51.100.1" } });
    const b = await create({ device: d, applicationServer: { ipv4Address: "198.51.100.2" } });
    const res = await h.request("POST", `${BASE}/retrieve-sessions`, { device: d });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res
        .json()
        .map((s: { sessionId: string }) => s.sessionId)
        .sort(),
      [a.sessionId, b.sessionId].sort(),
    );
    const none = await h.request("POST", `${BASE}/retrieve-sessions`, { device: device() });
    assert.deepEqual(none.json(), []);
  });

  test("retrieve-sessions without a device is 422 MISSING_IDENTIFIER", async () => {
    await expectError(await h.request("POST", `${BASE}/retrieve-sessions`, {}), 422, "MISSING_IDENTIFIER");
  });

  describe("x-correlator", () => {
    test("is echoed on success and on errors", async () => {
      const ok = await h.request(
        "POST",
        `${BASE}/retrieve-sessions`,
        { device: device() },
        { headers: { "x-correlator": "b4333c46-49c0" } },
      );
      assert.equal(ok.headers["x-correlator"], "b4333c46-49c0");
      const err = await h.request("GET", `${BASE}/sessions/00000000-0000-4000-8000-000000000000`, undefined, {
        headers: { "x-correlator": "corr-404" },
      });
      assert.equal(err.statusCode, 404);
      assert.equal(err.headers["x-correlator"], "corr-404");
    });

    test("a value that breaks its pattern is 400 INVALID_ARGUMENT", async () => {
      const res = await h.request(
        "POST",
        `${BASE}/retrieve-sessions`,
        { device: device() },
        { headers: { "x-correlator": "bad value!" } },
      );
      await expectError(res, 400, "INVALID_ARGUMENT");
      assert.equal(res.headers["x-correlator"], undefined);
    });
  });

  describe("authentication and ownership", () => {
    test("no key or a wrong key is 401 UNAUTHENTICATED", async () => {
      await expectError(
        await h.request("POST", `${BASE}/sessions`, sessionBody(), { key: null }),
        401,
        "UNAUTHENTICATED",
      );
      await expectError(
        await h.request("POST", `${BASE}/sessions`, sessionBody(), { key: "nope-nope-nope" }),
        401,
        "UNAUTHENTICATED",
      );
    });

    test("another client can neither see, extend nor delete a session: 403 PERMISSION_DENIED", async () => {
      const other = await h.newClient("other-app");
      const d = device();
      const mine = await create({ device: d });
      const opts = { key: other };
      await expectError(
        await h.request("GET", `${BASE}/sessions/${mine.sessionId}`, undefined, opts),
        403,
        "PERMISSION_DENIED",
      );
      await expectError(
        await h.request(
          "POST",
          `${BASE}/sessions/${mine.sessionId}/extend`,
          { requestedAdditionalDuration: 5 },
          opts,
        ),
        403,
        "PERMISSION_DENIED",
      );
      await expectError(
        await h.request("DELETE", `${BASE}/sessions/${mine.sessionId}`, undefined, opts),
        403,
        "PERMISSION_DENIED",
      );
      const list = await h.request("POST", `${BASE}/retrieve-sessions`, { device: d }, opts);
      assert.deepEqual(list.json(), []);
      // The other client's own session for the same device does not conflict with ours either.
      const theirs = await h.request("POST", `${BASE}/sessions`, sessionBody({ device: d }), opts);
      assert.equal(theirs.statusCode, 201);
      const mineStill = await h.request("GET", `${BASE}/sessions/${mine.sessionId}`);
      assert.equal(mineStill.json().qosStatus, "AVAILABLE");
    });
  });

  describe("conflicts", () => {
    test("a new session whose flow overlaps one of the same device is 409 CONFLICT", async () => {
      const d = device();
      await create({
        device: d,
        applicationServer: { ipv4Address: "198.51.100.0/24" },
        applicationServerPorts: { ports: [443] },
      });
      await expectError(
        await h.request(
          "POST",
          `${BASE}/sessions`,
          sessionBody({ device: d, applicationServer: { ipv4Address: "198.51.100.77" } }),
        ),
        409,
        "CONFLICT",
      );
      // Another port of the same server, or another server, is another flow.
      await create({
        device: d,
        applicationServer: { ipv4Address: "198.51.100.77" },
        applicationServerPorts: { ranges: [{ from: 8000, to: 8080 }] },
      });
      await create({ device: d, applicationServer: { ipv6Address: "2001:db8::/32" } });
      await expectError(
        await h.request(
          "POST",
          `${BASE}/sessions`,
          sessionBody({ device: d, applicationServer: { ipv6Address: "2001:db8:1::1/128" } }),
        ),
        409,
        "CONFLICT",
      );
    });
  });

  describe("validation", () => {
    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      ["a phone number without +", { device: { phoneNumber: "36721601234567" } }, 400, "INVALID_ARGUMENT"],
      [
        "a bad device IPv4",
        { device: { ipv4Address: { publicAddress: "300.1.1.1", publicPort: 1 } } },
        400,
        "INVALID_ARGUMENT",
      ],
      [
        "a device IPv4 with only publicAddress",
        { device: { ipv4Address: { publicAddress: "203.0.113.1" } } },
        400,
        "INVALID_ARGUMENT",
      ],
      ["a bad device IPv6", { device: { ipv6Address: "2001:db8::g" } }, 400, "INVALID_ARGUMENT"],
      ["an empty device", { device: {} }, 400, "INVALID_ARGUMENT"],
      ["no device", { device: undefined }, 422, "MISSING_IDENTIFIER"],
      [
        "only a networkAccessIdentifier",
        { device: { networkAccessIdentifier: "123@domain.com" } },
        422,
        "UNSUPPORTED_IDENTIFIER",
      ],
      ["an unknown device", { device: { phoneNumber: "+99999990404" } }, 404, "IDENTIFIER_NOT_FOUND"],
      [
        "a device the service does not apply to",
        { device: { phoneNumber: "+99999990422" } },
        422,
        "SERVICE_NOT_APPLICABLE",
      ],
      [
        "an application server prefix too long",
        { applicationServer: { ipv4Address: "198.51.100.0/33" } },
        400,
        "INVALID_ARGUMENT",
      ],
      [
        "an IPv6 address as ipv4Address",
        { applicationServer: { ipv4Address: "2001:db8::1" } },
        400,
        "INVALID_ARGUMENT",
      ],
      [
        "an IPv6 prefix too long",
        { applicationServer: { ipv6Address: "2001:db8::/129" } },
        400,
        "INVALID_ARGUMENT",
      ],
      ["an empty applicationServer", { applicationServer: {} }, 400, "INVALID_ARGUMENT"],
      ["a port above 65535", { devicePorts: { ports: [65_536] } }, 400, "INVALID_ARGUMENT"],
      [
        "a port range with from > to",
        { applicationServerPorts: { ranges: [{ from: 9000, to: 8000 }] } },
        400,
        "OUT_OF_RANGE",
      ],
      ["duration 0", { duration: 0 }, 400, "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE"],
      [
        "duration above the profile's maximum",
        { duration: 86_401 },
        400,
        "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
      ],
      ["duration as a string", { duration: "3600" }, 400, "INVALID_ARGUMENT"],
      ["an unknown qosProfile", { qosProfile: "QOS_XXL" }, 400, "INVALID_ARGUMENT"],
      ["an http sink that is not loopback", { sink: "http://example.com/notify" }, 400, "INVALID_SINK"],
      ["a sink that is not a URL", { sink: "not a url" }, 400, "INVALID_ARGUMENT"],
      [
        "a PLAIN credential",
        {
          sink: "https://a.example/n",
          sinkCredential: { credentialType: "PLAIN", identifier: "u", secret: "p" },
        },
        400,
        "INVALID_CREDENTIAL",
      ],
      [
        "a REFRESHTOKEN credential",
        {
          sink: "https://a.example/n",
          sinkCredential: {
            credentialType: "REFRESHTOKEN",
            accessToken: "a",
            accessTokenExpiresUtc: "2030-01-01T00:00:00Z",
            accessTokenType: "bearer",
            refreshToken: "r",
            refreshTokenEndpoint: "https://a.example/t",
          },
        },
        400,
        "INVALID_CREDENTIAL",
      ],
      [
        "a non-bearer token",
        { sink: "https://a.example/n", sinkCredential: { ...bearer("t"), accessTokenType: "mac" } },
        400,
        "INVALID_TOKEN",
      ],
      [
        "an access token without expiry",
        {
          sink: "https://a.example/n",
          sinkCredential: { credentialType: "ACCESSTOKEN", accessToken: "t", accessTokenType: "bearer" },
        },
        400,
        "INVALID_ARGUMENT",
      ],
      [
        "an expiry without time zone",
        { sink: "https://a.example/n", sinkCredential: bearer("t", "2030-01-01T00:00:00") },
        400,
        "INVALID_ARGUMENT",
      ],
      ["an unknown top-level property", { colour: "blue" }, 400, "INVALID_ARGUMENT"],
      [
        "an unknown nested property",
        { device: { phoneNumber: "+3670123456", imei: "1" } },
        400,
        "INVALID_ARGUMENT",
      ],
      ["a missing qosProfile", { qosProfile: undefined }, 400, "INVALID_ARGUMENT"],
    ];
    for (const [title, overrides, status, code] of cases) {
      test(`${title} → ${status} ${code}`, async () => {
        const body = JSON.parse(JSON.stringify(sessionBody(overrides)));
        await expectError(await h.request("POST", `${BASE}/sessions`, body), status, code);
      });
    }

    test("the sandbox accepts http:// sinks on loopback", async () => {
      await create({ sink: "http://127.0.0.1:8080/qod" });
      await create({ sink: "http://[::1]:8080/qod" });
      await create({ sink: "http://localhost:8080/qod" });
    });

    test("malformed JSON is 400 INVALID_ARGUMENT", async () => {
      const res = await h.request("POST", `${BASE}/sessions`, '{"device": ', {
        headers: { "content-type": "application/json" },
      });
      await expectError(res, 400, "INVALID_ARGUMENT");
    });

    test("a body that is not JSON is 415", async () => {
      const res = await h.request("POST", `${BASE}/sessions`, "device=1", {
        headers: { "content-type": "text/plain" },
      });
      await expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
    });

    test("a session id that is not a UUID is 400 INVALID_ARGUMENT; an unknown one 404 NOT_FOUND", async () => {
      await expectError(await h.request("GET", `${BASE}/sessions/123`), 400, "INVALID_ARGUMENT");
      await expectError(
        await h.request("GET", `${BASE}/sessions/3fa85f64-5717-4562-b3fc-2c963f66afa6`),
        404,
        "NOT_FOUND",
      );
    });

    test("an unknown route is a CAMARA 404", async () => {
      await expectError(await h.request("GET", `${BASE}/nothing-here`), 404, "NOT_FOUND");
    });
  });
});

describe("relaxed properties", () => {
  test("with OPENQOD_STRICT_PROPERTIES=false unknown properties are ignored, not echoed", async () => {
    const h = await createHarness({ OPENQOD_STRICT_PROPERTIES: "false" });
    try {
      const res = await h.request(
        "POST",
        `${BASE}/sessions`,
        sessionBody({ colour: "blue", device: { phoneNumber: "+3670123456", imei: "1" } }),
      );
      assert.equal(res.statusCode, 201, res.body);
      assert.ok(!res.body.includes("colour"));
      assert.ok(!res.body.includes("imei"));
    } finally {
      await h.close();
    }
  });
});
