import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from "jose";
import {
  type ClientAssertionAlg,
  NetworkAsCodeClient,
  type OAuth2ClientCredentials,
  OAuthError,
  type PrivateJwk,
  ValidationError,
} from "../src/index.ts";
import { startAuthServer } from "./auth-server.ts";
import { instantClock } from "./clock.ts";

const SCOPE = "quality-on-demand:sessions:read";

function clientOf(url: string, oauth2: OAuth2ClientCredentials, clock = instantClock().clock) {
  return new NetworkAsCodeClient({ target: "camara", baseUrl: url, oauth2, clock, maxRetries: 0 });
}

/** A key pair for `alg`: the private JWK the SDK signs with, the public key jose verifies with. */
async function keyPair(alg: ClientAssertionAlg) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = (await exportJWK(privateKey)) as PrivateJwk;
  return { publicKey, privateKey: { ...jwk, kid: `key-${alg}` } };
}

describe("OAuth2 client authentication, as the token endpoint receives it", { timeout: 10_000 }, () => {
  test("client_secret_basic (the default): the form-encoded id and secret in Authorization: Basic, nothing in the form", async (t) => {
    const s = await startAuthServer(t);
    s.token(s.grant());
    const c = clientOf(s.url, {
      tokenUrl: s.tokenUrl,
      clientId: "app 1",
      clientSecret: "s3c:r/t+",
      scope: SCOPE,
    });
    await c.sessions.get("s-1");
    const [request] = s.to("/oauth2/v1/token");
    assert.equal(request?.method, "POST");
    assert.equal(request?.contentType, "application/x-www-form-urlencoded");
    assert.equal(request?.authorization, `Basic ${Buffer.from("app%201:s3c%3Ar%2Ft%2B").toString("base64")}`);
    assert.deepEqual(request?.form, { grant_type: "client_credentials", scope: SCOPE });
    assert.equal(s.to("/quality-on-demand/v1/sessions/s-1")[0]?.authorization, "Bearer at-1");
  });

  test("client_secret_post: client_id and client_secret in the form, no Authorization header", async (t) => {
    const s = await startAuthServer(t);
    s.token(s.grant());
    const c = clientOf(s.url, {
      tokenUrl: s.tokenUrl,
      clientId: "app",
      clientSecret: "s3cret",
      method: "client_secret_post",
    });
    await c.sessions.get("s-1");
    const [request] = s.to("/oauth2/v1/token");
    assert.equal(request?.authorization, undefined);
    assert.deepEqual(request?.form, {
      grant_type: "client_credentials",
      client_id: "app",
      client_secret: "s3cret",
    });
  });

  for (const alg of ["ES256", "RS256", "PS256"] as const) {
    test(`private_key_jwt with ${alg}: an RFC 7523 assertion that verifies against the public key`, async (t) => {
      const s = await startAuthServer(t);
      const time = instantClock();
      const { publicKey, privateKey } = await keyPair(alg);
      s.token(s.grant(60), s.grant(60));
      const c = clientOf(
        s.url,
        { tokenUrl: s.tokenUrl, clientId: "app", method: "private_key_jwt", privateKey, alg, scope: SCOPE },
        time.clock,
      );
      await c.sessions.get("s-1");
      time.advance(31_000); // past the first token's reuse window: a second assertion
      await c.sessions.get("s-1");
      const requests = s.to("/oauth2/v1/token");
      assert.equal(requests.length, 2);
      const jtis: string[] = [];
      for (const [i, request] of requests.entries()) {
        assert.equal(request.authorization, undefined);
        assert.deepEqual(Object.keys(request.form).sort(), [
          "client_assertion",
          "client_assertion_type",
          "client_id",
          "grant_type",
          "scope",
        ]);
        assert.equal(request.form.client_id, "app");
        assert.equal(
          request.form.client_assertion_type,
          "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        );
        const assertion = request.form.client_assertion ?? "";
        const now = Math.floor((Date.parse("2026-06-01T12:00:00Z") + i * 31_000) / 1000);
        const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, {
          algorithms: [alg],
          issuer: "app",
          subject: "app",
          audience: s.tokenUrl,
          currentDate: new Date(now * 1000),
        });
        assert.deepEqual(protectedHeader, { alg, typ: "JWT", kid: `key-${alg}` });
        assert.equal(payload.iat, now);
        assert.equal(payload.exp, now + 60);
        assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
        jtis.push(String(payload.jti));
      }
      assert.notEqual(jtis[0], jtis[1], "a fresh jti for each assertion");
    });
  }

  test("private_key_jwt: `kid` overrides the JWK's; a public key is refused before anything is sent", async (t) => {
    const s = await startAuthServer(t);
    const { privateKey } = await keyPair("ES256");
    s.token(s.grant());
    await clientOf(s.url, {
      tokenUrl: s.tokenUrl,
      clientId: "app",
      method: "private_key_jwt",
      privateKey,
      alg: "ES256",
      kid: "chosen",
    }).sessions.get("s-1");
    assert.equal(
      decodeProtectedHeader(s.to("/oauth2/v1/token")[0]?.form.client_assertion ?? "").kid,
      "chosen",
    );

    const { d: _d, ...publicOnly } = privateKey;
    const error = await clientOf(s.url, {
      tokenUrl: s.tokenUrl,
      clientId: "app",
      method: "private_key_jwt",
      privateKey: publicOnly as PrivateJwk,
      alg: "ES256",
    })
      .sessions.get("s-1")
      .catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.field, "privateKey");
    assert.equal(s.to("/oauth2/v1/token").length, 1, "nothing more was sent");
  });

  test("a refusal is an OAuthError with RFC 6749's error, status and description", async (t) => {
    const s = await startAuthServer(t);
    s.token(s.error(401, "invalid_client", "client authentication failed"));
    const error = await clientOf(s.url, { tokenUrl: s.tokenUrl, clientId: "app", clientSecret: "wrong" })
      .sessions.get("s-1")
      .catch((e: unknown) => e);
    assert.ok(error instanceof OAuthError, String(error));
    assert.equal(error.status, 401);
    assert.equal(error.error, "invalid_client");
    assert.equal(error.code, "invalid_client");
    assert.equal(error.message, "401 invalid_client: client authentication failed");
  });

  test("an unknown method, or neither tokenUrl nor issuer, is a ValidationError when the client is made", () => {
    assert.throws(
      () =>
        clientOf("http://127.0.0.1:1", {
          tokenUrl: "http://127.0.0.1:1/t",
          clientId: "a",
          clientSecret: "s",
          method: "tls_client_auth" as "client_secret_post",
        }),
      (e: unknown) => e instanceof ValidationError && e.field === "oauth2.method",
    );
    assert.throws(
      () => clientOf("http://127.0.0.1:1", { clientId: "a", clientSecret: "s" }),
      (e: unknown) => e instanceof ValidationError && e.field === "oauth2",
    );
  });
});

describe("OAuth2 discovery from the issuer", { timeout: 10_000 }, () => {
  test("the discovery document is fetched once; every token request goes to the token_endpoint it names", async (t) => {
    const s = await startAuthServer(t);
    const time = instantClock();
    s.discovery(s.metadata());
    s.token(s.grant(60), s.grant(60));
    const c = clientOf(s.url, { issuer: `${s.url}/`, clientId: "app", clientSecret: "s3cret" }, time.clock);
    await c.sessions.get("s-1");
    time.advance(31_000);
    await c.sessions.get("s-1");
    assert.deepEqual(
      s.seen.map((r) => `${r.method} ${r.path}`),
      [
        "GET /.well-known/openid-configuration",
        "POST /oauth2/v1/token",
        "GET /quality-on-demand/v1/sessions/s-1",
        "POST /oauth2/v1/token",
        "GET /quality-on-demand/v1/sessions/s-1",
      ],
    );
  });

  test("a document naming another issuer is refused (RFC 8414 §3.3); a failed discovery is tried again next call", async (t) => {
    const s = await startAuthServer(t);
    s.discovery(s.metadata("https://elsewhere.example"), s.metadata());
    s.token(s.grant());
    const c = clientOf(s.url, { issuer: s.url, clientId: "app", clientSecret: "s3cret" });
    const error = await c.sessions.get("s-1").catch((e: unknown) => e);
    assert.ok(error instanceof OAuthError, String(error));
    assert.equal(error.code, "DISCOVERY_FAILED");
    assert.match(error.message, /names issuer "https:\/\/elsewhere.example"/);
    assert.equal(s.to("/oauth2/v1/token").length, 0);
    assert.equal((await c.sessions.get("s-1")).id, "s-1");
    assert.equal(s.to("/.well-known/openid-configuration").length, 2);
  });
});
