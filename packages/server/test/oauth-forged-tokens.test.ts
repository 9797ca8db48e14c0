import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { decodeProtectedHeader, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";
import { ALL_SCOPES } from "../src/auth/scopes.ts";
import { OwnTokenVerifier } from "../src/auth/token-verifier.ts";
import { createHarness, type Harness } from "./helpers/harness.ts";
import { accessToken, newOAuthClient } from "./helpers/oauth.ts";

const ISSUER = "http://127.0.0.1:9091";
const PROFILE = "/qos-profiles/v1/qos-profiles/QOS_E";
const TTL_S = 3600;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("forged and broken access tokens", () => {
  let h: Harness;
  let client: { clientId: string; secret: string };
  before(async () => {
    h = await createHarness({ OPENQOD_TOKEN_RATE_BURST: "100000" });
    client = await newOAuthClient(h, "forged-acme");
  });
  after(() => h.close());

  const server = () => {
    const as = h.openqod.authorizationServer;
    assert.ok(as);
    return as;
  };
  /** The claims OpenQoD would put in a token for `client`, at the clock's time. */
  const claims = (overrides: Record<string, unknown> = {}) => {
    const now = Math.floor(h.clock.now() / 1000);
    return {
      iss: ISSUER,
      aud: ISSUER,
      sub: client.clientId,
      client_id: client.clientId,
      scope: ALL_SCOPES.join(" "),
      iat: now,
      nbf: now,
      exp: now + TTL_S,
      jti: `jti-${Math.random()}`,
      ...overrides,
    };
  };
  /** Signs with the server's real signing key: what only a forger holding it could do. */
  const signed = async (payload: Record<string, unknown>, header: Record<string, unknown> = {}) => {
    const { kid, privateKey } = await server().keys.signingKey();
    return new SignJWT(payload)
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid, ...header })
      .sign(privateKey);
  };
  const call = (token: string) => h.request("GET", PROFILE, undefined, { key: token });
  const assert401 = async (token: string, why: string, message?: RegExp) => {
    const res = await call(token);
    assert.equal(res.statusCode, 401, `${why}: ${res.body}`);
    assert.equal(res.json().code, "UNAUTHENTICATED", why);
    assert.match(String(res.headers["www-authenticate"]), /^Bearer/, why);
    if (message !== undefined) assert.match(res.json().message, message, why);
  };

  test("a token signed the way the server signs is accepted (the forgeries below differ in one thing each)", async () => {
    assert.equal((await call(await signed(claims()))).statusCode, 200);
  });

  test("no token, and a malformed one: 401 UNAUTHENTICATED", async () => {
    const none = await h.request("GET", PROFILE, undefined, { key: null });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().code, "UNAUTHENTICATED");
    await assert401(`${b64({ alg: "ES256" })}.${b64({ iss: ISSUER })}.!!!`, "bad signature part");
    await assert401(`${b64({ alg: "ES256" })}.not-json.c2ln`, "payload not JSON");
    await assert401(`${b64({ alg: "ES256", typ: "at+jwt" })}.${b64(claims())}.c2ln`, "no kid");
  });

  test("expired (beyond the 30 s skew), and not valid yet (nbf, iat in the future): 401", async () => {
    const token = await accessToken(h, client);
    h.clock.advance((TTL_S + 31) * 1000);
    await assert401(token, "expired", /expired/);
    const now = Math.floor(h.clock.now() / 1000);
    await assert401(await signed(claims({ nbf: now + 120 })), "nbf ahead", /not valid yet/);
    await assert401(await signed(claims({ iat: now + 120 })), "iat ahead", /future/);
    assert.equal(
      (await call(await signed(claims({ nbf: now + 20, iat: now + 20 })))).statusCode,
      200,
      "within the skew",
    );
  });

  test("wrong issuer, wrong audience, wrong typ, a claim missing: 401", async () => {
    // Another issuer is not this verifier's: BearerAuthenticator finds no verifier for it.
    await assert401(await signed(claims({ iss: "https://idp.example.com" })), "issuer", /issuer/);
    await assert401(await signed(claims({ aud: "https://other-api.example.com" })), "audience", /aud/);
    await assert401(await signed(claims(), { typ: "JWT" }), "typ", /typ/);
    const { jti: _jti, ...noJti } = claims();
    await assert401(await signed(noJti), "no jti", /jti/);
  });

  test("alg none, and HS256 keyed with the public key's bytes (algorithm confusion): 401", async () => {
    const { kid } = await server().keys.signingKey();
    await assert401(`${b64({ alg: "none", typ: "at+jwt", kid })}.${b64(claims())}.`, "alg none", /ES256/);
    const jwk = (await server().keys.jwks()).keys.find((k) => k.kid === kid) as JWK;
    const spki = await exportSPKI(createPublicKey({ key: jwk as never, format: "jwk" }));
    for (const [name, secret] of [
      ["PEM", spki],
      ["JWK JSON", JSON.stringify(jwk)],
    ] as const) {
      const forged = await new SignJWT(claims())
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid })
        .sign(new TextEncoder().encode(secret));
      await assert401(forged, `HS256 with the public key as ${name}`, /ES256/);
    }
  });

  test("a tampered payload, a key pair not in the JWKS under the real kid, an unknown kid: 401", async () => {
    const token = await accessToken(h, client, "qos-profiles:read");
    const [header, , signature] = token.split(".");
    const widened = `${header}.${b64(claims())}.${signature}`;
    await assert401(widened, "tampered payload", /signature/);
    const { kid } = await server().keys.signingKey();
    const stranger = await generateKeyPair("ES256");
    const wrongKey = await new SignJWT(claims())
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid })
      .sign(stranger.privateKey);
    await assert401(wrongKey, "another key, same kid", /signature/);
    const unknownKid = await new SignJWT(claims())
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "not-a-kid-of-this-server" })
      .sign(stranger.privateKey);
    await assert401(unknownKid, "unknown kid", /kid/);
  });

  test("a database failure while checking a token is not the token's fault: it is not turned into a 401", async () => {
    const verifier = new OwnTokenVerifier(server().keys, {
      issuer: ISSUER,
      store: { clientCredentials: () => Promise.reject(new Error("the database does not answer")) },
      clock: h.clock,
    });
    await assert.rejects(verifier.verify(await signed(claims())), /the database does not answer/);
  });

  test("a device claim that is not a CAMARA device: 401", async () => {
    await assert401(
      await signed(claims({ device: { phoneNumber: "not a number" } })),
      "bad device",
      /device/,
    );
    await assert401(await signed(claims({ device: "+36721601234567" })), "device as a string", /device/);
  });

  test("a revoked client's token stops within 5 s (the client cache); an unknown client's never works", async () => {
    const doomed = await newOAuthClient(h, "doomed-acme");
    const token = await accessToken(h, doomed);
    assert.equal((await call(token)).statusCode, 200);
    await h.openqod.store.revokeClient("doomed-acme", h.clock.now());
    h.clock.advance(4_000);
    assert.equal((await call(token)).statusCode, 200, "a verified token is trusted for up to 5 s");
    h.clock.advance(1_000);
    await assert401(token, "revoked", /revoked/);
    await assert401(
      await signed(claims({ client_id: "3fa85f64-5717-4562-b3fc-2c963f66afa6" })),
      "unknown client",
    );
  });

  test("a valid token without the operation's scope is 403 PERMISSION_DENIED; scopes the client lost since do not count", async () => {
    const narrow = await accessToken(h, client, "quality-on-demand:sessions:read");
    const res = await call(narrow);
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json().code, "PERMISSION_DENIED");
    const shrinking = await newOAuthClient(h, "shrinking-acme");
    const token = await accessToken(h, shrinking, "qos-profiles:read");
    assert.equal((await call(token)).statusCode, 200);
    await h.openqod.store.updateClient("shrinking-acme", { scopes: ["quality-on-demand:sessions:read"] });
    h.clock.advance(5_000);
    const after = await call(token);
    assert.equal(after.statusCode, 403, after.body);
    assert.equal(after.json().code, "PERMISSION_DENIED");
  });
});

describe("signing key rotation", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ OPENQOD_SIGNING_KEY_ROTATION: "48h", OPENQOD_ACCESS_TOKEN_TTL: "600" });
  });
  after(() => h.close());

  const jwksKids = async () =>
    (
      (await h.request("GET", "/oauth2/v1/jwks", undefined, { key: null })).json() as { keys: JWK[] }
    ).keys.map((k) => k.kid);

  test("a rotated key verifies its tokens until they expire, stays in the JWKS, and is dropped after", async () => {
    const as = h.openqod.authorizationServer;
    assert.ok(as);
    const client = await newOAuthClient(h, "rotating-acme");
    const old = await accessToken(h, client);
    const oldKid = decodeProtectedHeader(old).kid;
    await as.keys.rotate();
    const fresh = await accessToken(h, client);
    const newKid = decodeProtectedHeader(fresh).kid;
    assert.notEqual(newKid, oldKid, "new tokens are signed by the new key");
    assert.deepEqual((await jwksKids()).sort(), [oldKid, newKid].sort());
    h.clock.advance(590_000);
    assert.equal(
      (await h.request("GET", "/qos-profiles/v1/qos-profiles/QOS_E", undefined, { key: old })).statusCode,
      200,
    );
    // Past its tokens' lifetime, the reread interval and the skew: dropped.
    h.clock.advance(10_000 + 60_000 + 30_000 + 1_000);
    assert.deepEqual(await jwksKids(), [newKid]);
    const res = await h.request("GET", "/qos-profiles/v1/qos-profiles/QOS_E", undefined, { key: old });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, "UNAUTHENTICATED");
  });

  test("the signing key is replaced on its own once older than OPENQOD_SIGNING_KEY_ROTATION", async () => {
    const client = await newOAuthClient(h, "aging-acme");
    const before = decodeProtectedHeader(await accessToken(h, client)).kid;
    h.clock.advance(47 * 3_600_000);
    assert.equal(decodeProtectedHeader(await accessToken(h, client)).kid, before, "not yet due");
    h.clock.advance(3_600_000 + 60_000);
    const after = decodeProtectedHeader(await accessToken(h, client)).kid;
    assert.notEqual(after, before);
  });
});
