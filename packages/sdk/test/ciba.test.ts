import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { exportJWK, generateKeyPair, jwtVerify } from "jose";
import {
  CIBA_GRANT,
  type CibaOptions,
  cibaAuth,
  NetworkAsCodeClient,
  OAuthError,
  type PrivateJwk,
  ValidationError,
} from "../src/index.ts";
import { startAuthServer } from "./auth-server.ts";
import { instantClock } from "./clock.ts";

const PHONE = "+36701234567";
const started = (interval?: number, expiresIn = 120) => ({
  status: 200,
  body: { auth_req_id: "req-1", expires_in: expiresIn, ...(interval === undefined ? {} : { interval }) },
});

type Server = Awaited<ReturnType<typeof startAuthServer>>;

function options(s: Server, clock = instantClock().clock): CibaOptions {
  return {
    tokenUrl: s.tokenUrl,
    backchannelAuthenticationUrl: s.cibaUrl,
    clientId: "app",
    clientSecret: "s3cret",
    loginHint: `tel:${PHONE}`,
    scope: "quality-on-demand:sessions:create quality-on-demand:sessions:retrieve-by-device",
    clock,
  };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail("expected a rejection"),
    (e: unknown) => e,
  );

describe("CIBA (poll mode) against a real authorization server", { timeout: 10_000 }, () => {
  test("polls at the interval, 5 s slower after slow_down, until the token comes", async (t) => {
    const s = await startAuthServer(t);
    const time = instantClock();
    s.ciba(started(2));
    s.token(
      s.error(400, "authorization_pending"),
      s.error(400, "slow_down"),
      s.error(400, "authorization_pending"),
      s.grant(),
    );
    const auth = await cibaAuth(options(s, time.clock));
    const basic = `Basic ${Buffer.from("app:s3cret").toString("base64")}`;
    const [request] = s.to("/oauth2/v1/bc-authorize");
    assert.equal(request?.authorization, basic);
    assert.deepEqual(request?.form, {
      scope: "openid quality-on-demand:sessions:create quality-on-demand:sessions:retrieve-by-device",
      login_hint: `tel:${PHONE}`,
    });
    const polls = s.to("/oauth2/v1/token");
    assert.equal(polls.length, 4);
    for (const poll of polls) {
      assert.equal(poll.authorization, basic);
      assert.deepEqual(poll.form, { grant_type: CIBA_GRANT, auth_req_id: "req-1" });
    }
    assert.deepEqual(
      time.waits,
      [2_000, 2_000, 7_000, 7_000],
      "before each poll; +5 s from the slow_down on",
    );
    assert.deepEqual(auth.boundDevice, { phoneNumber: PHONE });
    assert.equal(auth.loginHint, `tel:${PHONE}`);
    assert.deepEqual(await auth.headers({ fetch, signal: new AbortController().signal, timeoutMs: 1000 }), {
      authorization: "Bearer at-1",
    });
  });

  test("with a device-bound auth, calls send no device; giving one is refused before sending", async (t) => {
    const s = await startAuthServer(t);
    s.ciba(started());
    s.token(s.grant());
    const auth = await cibaAuth(options(s));
    const client = new NetworkAsCodeClient({
      target: "camara",
      baseUrl: s.url,
      auth,
      clock: instantClock().clock,
    });
    const device = client.devices.get();
    assert.equal(device.bound, true);
    assert.equal(device.phoneNumber, PHONE);
    await device.createQodSession({ profile: "QOS_L", serviceIpv4: "233.252.0.2", duration: 60 });
    await device.sessions();
    await client.qosProfiles.list();
    const [create] = s.to("/quality-on-demand/v1/sessions");
    assert.equal(create?.authorization, "Bearer at-1");
    assert.deepEqual(create?.json, {
      applicationServer: { ipv4Address: "233.252.0.2" },
      qosProfile: "QOS_L",
      duration: 60,
    });
    assert.deepEqual(s.to("/quality-on-demand/v1/retrieve-sessions")[0]?.json, {});
    assert.deepEqual(s.to("/qos-profiles/v1/retrieve-qos-profiles")[0]?.json, {});

    const sent = s.seen.length;
    assert.throws(
      () => client.devices.get({ phoneNumber: PHONE }),
      (e: unknown) => e instanceof ValidationError && e.field === "device",
    );
    const profiles = await rejection(client.qosProfiles.list({ device: { phoneNumber: PHONE } }));
    assert.ok(profiles instanceof ValidationError && profiles.field === "device", String(profiles));
    assert.equal(s.seen.length, sent, "nothing sent");
  });

  test("access_denied stops the polling with an OAuthError that says the user denied it", async (t) => {
    const s = await startAuthServer(t);
    s.ciba(started(1));
    s.token(
      s.error(400, "authorization_pending"),
      s.error(400, "access_denied", "the device denied"),
      s.grant(),
    );
    const error = await rejection(cibaAuth(options(s)));
    assert.ok(error instanceof OAuthError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.error, "access_denied");
    assert.equal(
      error.message,
      `400 access_denied: CIBA for tel:${PHONE}: the user denied the authentication request (the device denied)`,
    );
    assert.equal(s.to("/oauth2/v1/token").length, 2, "no poll after the denial");
  });

  test("expired_token from the server ends the polling", async (t) => {
    const s = await startAuthServer(t);
    s.ciba(started(1));
    s.token(s.error(400, "expired_token", "auth_req_id expired"));
    const error = await rejection(cibaAuth(options(s)));
    assert.ok(error instanceof OAuthError, String(error));
    assert.equal(error.error, "expired_token");
    assert.match(error.message, /expired before the user approved it/);
  });

  test("a request never approved stops polling at its expires_in, by the clock", async (t) => {
    const s = await startAuthServer(t);
    const time = instantClock();
    s.ciba(started(2, 6));
    s.token(...Array.from({ length: 10 }, () => s.error(400, "authorization_pending")));
    const error = await rejection(cibaAuth(options(s, time.clock)));
    assert.ok(error instanceof OAuthError, String(error));
    assert.equal(error.error, "expired_token");
    assert.equal(
      error.message,
      `400 expired_token: CIBA for tel:${PHONE}: not approved within the request's 6 s`,
    );
    assert.equal(s.to("/oauth2/v1/token").length, 3);
    assert.deepEqual(time.waits, [2_000, 2_000, 2_000]);
  });

  test("a bc-authorize refusal (unknown_user_id) is an OAuthError; nothing is polled", async (t) => {
    const s = await startAuthServer(t);
    s.ciba(s.error(400, "unknown_user_id", "no such device"));
    const error = await rejection(cibaAuth(options(s)));
    assert.ok(error instanceof OAuthError, String(error));
    assert.equal(error.error, "unknown_user_id");
    assert.equal(s.to("/oauth2/v1/token").length, 0);
  });

  test("with discovery and private_key_jwt: each assertion's aud is the endpoint it is sent to; waits 5 s without an interval", async (t) => {
    const s = await startAuthServer(t);
    const time = instantClock();
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    s.discovery(s.metadata());
    s.ciba(started());
    s.token(s.grant());
    await cibaAuth({
      issuer: s.url,
      clientId: "app",
      method: "private_key_jwt",
      privateKey: (await exportJWK(privateKey)) as PrivateJwk,
      alg: "ES256",
      loginHint: "ipv4:198.51.100.7:5060",
      scope: "openid quality-on-demand:sessions:create",
      clock: time.clock,
    });
    const verify = (assertion: string | undefined, audience: string) =>
      jwtVerify(assertion ?? "", publicKey, {
        algorithms: ["ES256"],
        issuer: "app",
        subject: "app",
        audience,
        currentDate: new Date(time.clock.now()),
      });
    const [ciba] = s.to("/oauth2/v1/bc-authorize");
    assert.equal(ciba?.form.scope, "openid quality-on-demand:sessions:create", "openid not repeated");
    await verify(ciba?.form.client_assertion, s.cibaUrl);
    await verify(s.to("/oauth2/v1/token")[0]?.form.client_assertion, s.tokenUrl);
    assert.deepEqual(time.waits, [5_000]);
  });

  test("once the token expires, the next call authenticates the device again", async (t) => {
    const s = await startAuthServer(t);
    const time = instantClock();
    s.ciba(started(), started());
    s.token(s.grant(60), s.grant(60));
    const auth = await cibaAuth(options(s, time.clock));
    const client = new NetworkAsCodeClient({ target: "camara", baseUrl: s.url, auth, clock: time.clock });
    await client.sessions.get("s-1");
    time.advance(31_000);
    await client.sessions.get("s-1");
    assert.deepEqual(
      s.to("/quality-on-demand/v1/sessions/s-1").map((r) => r.authorization),
      ["Bearer at-1", "Bearer at-2"],
    );
    assert.equal(s.to("/oauth2/v1/bc-authorize").length, 2);
  });

  test("a server whose discovery names no CIBA endpoint, or whose answer has no auth_req_id, fails clearly", async (t) => {
    const s = await startAuthServer(t);
    const metadata = s.metadata();
    const { backchannel_authentication_endpoint: _, ...withoutCiba } = metadata.body as Record<
      string,
      unknown
    >;
    s.discovery({ status: 200, body: withoutCiba });
    const { tokenUrl: _t, backchannelAuthenticationUrl: _b, ...rest } = options(s);
    const noCiba = await rejection(cibaAuth({ ...rest, issuer: s.url }));
    assert.ok(noCiba instanceof OAuthError, String(noCiba));
    assert.equal(noCiba.code, "DISCOVERY_FAILED");
    assert.match(noCiba.message, /names no backchannel_authentication_endpoint/);
    assert.equal(s.to("/oauth2/v1/bc-authorize").length, 0);

    s.ciba({ status: 200, body: { expires_in: 120 } });
    const noId = await rejection(cibaAuth(options(s)));
    assert.ok(noId instanceof OAuthError, String(noId));
    assert.equal(noId.message, `200 TOKEN_REQUEST_FAILED: ${s.cibaUrl} answered without an auth_req_id`);
    assert.equal(s.to("/oauth2/v1/token").length, 0);
  });

  test("the caller's signal ends the polling at once", async (t) => {
    const s = await startAuthServer(t);
    s.ciba(started(5));
    s.token(s.error(400, "authorization_pending"), s.grant());
    const controller = new AbortController();
    const waits: number[] = [];
    const clock = {
      now: () => Date.parse("2026-06-01T12:00:00Z"),
      // The first wait passes; during the second the caller gives up (and this sleep never ends by itself).
      sleep: (ms: number) => {
        waits.push(ms);
        if (waits.length === 1) return Promise.resolve();
        controller.abort(new Error("user gave up"));
        return new Promise<void>(() => {});
      },
    };
    const error = await rejection(cibaAuth({ ...options(s), clock, signal: controller.signal }));
    assert.match(String(error), /user gave up/);
    assert.equal(s.to("/oauth2/v1/token").length, 1, "no poll after the abort");
  });

  test("a login hint that is not tel:, ipv4: or ipv6: is refused before sending", async (t) => {
    const s = await startAuthServer(t);
    const error = await rejection(cibaAuth({ ...options(s), loginHint: "tel:+0123" }));
    assert.ok(error instanceof ValidationError && error.field === "loginHint", String(error));
    assert.equal(s.seen.length, 0);
  });
});
