import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { decodeJwt, decodeProtectedHeader, SignJWT } from "jose";
import { ALL_SCOPES, KNOWN_SCOPES } from "../src/auth/scopes.ts";
import { clientAssertion, clientKey, JwksServer } from "./helpers/client-keys.ts";
import { createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { accessToken, basic, newOAuthClient, TOKEN_URL, tokenRequest } from "./helpers/oauth.ts";

const ISSUER = "http://127.0.0.1:9091";
const TOKEN_ENDPOINT = `${ISSUER}${TOKEN_URL}`;
const PROFILE = "/qos-profiles/v1/qos-profiles/QOS_E";
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const CC = { grant_type: "client_credentials" };

/** Asserts an OAuth error answer: status, RFC 6749 `error`, CAMARA `code`, and returns the body. */
function assertOAuthError(
  res: { statusCode: number; json(): Record<string, unknown>; body: string },
  status: number,
  error: string,
  code: string,
): Record<string, unknown> {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.equal(body.error, error, res.body);
  assert.equal(body.code, code, res.body);
  assert.equal(body.status, status);
  assert.equal(typeof body.error_description, "string");
  assert.equal(body.message, body.error_description);
  return body;
}

describe("the token endpoint (client_credentials)", () => {
  let h: Harness;
  before(async () => {
    // A limit no test here reaches: the per-IP limit has a test of its own.
    h = await createHarness({ OPENQOD_TOKEN_RATE_BURST: "100000" });
  });
  after(() => h.close());

  test("client_secret_basic gets an ES256 at+jwt with every scope of the client, not cached", async () => {
    const client = await newOAuthClient(h, "basic-acme");
    const res = await tokenRequest(h, CC, basic(client.clientId, client.secret));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers["cache-control"], "no-store");
    assert.equal(res.headers.pragma, "no-cache");
    const body = res.json();
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.expires_in, 3600);
    assert.deepEqual(body.scope.split(" "), [...ALL_SCOPES]);
    const header = decodeProtectedHeader(body.access_token);
    assert.equal(header.alg, "ES256");
    assert.equal(header.typ, "at+jwt");
    assert.equal(typeof header.kid, "string");
    const claims = decodeJwt(body.access_token);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, ISSUER);
    assert.equal(claims.sub, client.clientId);
    assert.equal(claims.client_id, client.clientId);
    assert.equal(claims.iat, Math.floor(h.clock.now() / 1000));
    assert.equal(claims.nbf, claims.iat);
    assert.equal(claims.exp, (claims.iat ?? 0) + 3600);
    assert.equal(typeof claims.jti, "string");
    assert.equal(claims.scope, body.scope);
  });

  test("client_secret_post works too, and the token is accepted by the APIs as a Bearer credential", async () => {
    const client = await newOAuthClient(h, "post-acme");
    const token = await accessToken(h, client);
    const res = await h.request("GET", PROFILE, undefined, { key: token });
    assert.equal(res.statusCode, 200, res.body);
  });

  test("the sandbox client has a secret of its own that gets tokens", async () => {
    const sandbox = h.openqod.sandboxClient;
    assert.ok(sandbox?.secret);
    const res = await tokenRequest(h, CC, basic(sandbox.clientId, sandbox.secret));
    assert.equal(res.statusCode, 200, res.body);
  });

  test("scope asks for a subset of the client's scopes; the token carries only those, and other operations are 403", async () => {
    const client = await newOAuthClient(h, "scoped-acme", {
      scopes: ["qos-profiles:read", "quality-on-demand:sessions:read", "quality-on-demand:sessions:create"],
    });
    const all = await tokenRequest(h, { ...CC, client_id: client.clientId, client_secret: client.secret });
    assert.equal(
      all.json().scope,
      "qos-profiles:read quality-on-demand:sessions:create quality-on-demand:sessions:read",
      "no scope asked: all of the client's",
    );
    const res = await tokenRequest(h, {
      ...CC,
      client_id: client.clientId,
      client_secret: client.secret,
      scope: "qos-profiles:read",
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().scope, "qos-profiles:read");
    const token = res.json().access_token as string;
    assert.equal((await h.request("GET", PROFILE, undefined, { key: token })).statusCode, 200);
    const create = await h.request("POST", "/quality-on-demand/v1/sessions", sessionBody(), { key: token });
    assert.equal(create.statusCode, 403, create.body);
    assert.equal(create.json().code, "PERMISSION_DENIED");
    assert.match(String(create.headers["www-authenticate"]), /insufficient_scope/);
  });

  test("a scope the client may not have, or one OpenQoD does not know, is 400 invalid_scope", async () => {
    const client = await newOAuthClient(h, "narrow-acme", { scopes: ["qos-profiles:read"] });
    for (const scope of ["qos-profiles:read openqod:sandbox", "no-such:scope"]) {
      const res = await tokenRequest(h, {
        ...CC,
        client_id: client.clientId,
        client_secret: client.secret,
        scope,
      });
      assertOAuthError(res, 400, "invalid_scope", "INVALID_ARGUMENT");
    }
  });

  test("an unknown client, a wrong secret and a revoked client get the same 401 invalid_client, with a Basic challenge", async () => {
    const client = await newOAuthClient(h, "revoked-acme");
    const unknown = await tokenRequest(h, CC, basic("3fa85f64-5717-4562-b3fc-2c963f66afa6", client.secret));
    const wrong = await tokenRequest(h, CC, basic(client.clientId, "oqs_wrong"));
    await h.openqod.store.revokeClient("revoked-acme", h.clock.now());
    const revoked = await tokenRequest(h, CC, basic(client.clientId, client.secret));
    const bodies = [unknown, wrong, revoked].map((res) => {
      assert.match(String(res.headers["www-authenticate"]), /^Basic /);
      return assertOAuthError(res, 401, "invalid_client", "UNAUTHENTICATED");
    });
    assert.deepEqual(bodies[0], bodies[1]);
    assert.deepEqual(bodies[1], bodies[2]);
    const post = await tokenRequest(h, { ...CC, client_id: client.clientId, client_secret: client.secret });
    assertOAuthError(post, 401, "invalid_client", "UNAUTHENTICATED");
    assert.equal(post.headers["www-authenticate"], undefined, "no Basic challenge when Basic was not used");
  });

  test("two authentication methods in one request are 400 invalid_request; none is 401 invalid_client", async () => {
    const client = await newOAuthClient(h, "twice-acme");
    const twice = await tokenRequest(
      h,
      { ...CC, client_id: client.clientId, client_secret: client.secret },
      basic(client.clientId, client.secret),
    );
    assertOAuthError(twice, 400, "invalid_request", "INVALID_ARGUMENT");
    assertOAuthError(await tokenRequest(h, CC), 401, "invalid_client", "UNAUTHENTICATED");
  });

  test("grant_type missing, unsupported, or the form not form-urlencoded: 400 with RFC 6749's codes", async () => {
    const client = await newOAuthClient(h, "grant-acme");
    const auth = basic(client.clientId, client.secret);
    assertOAuthError(await tokenRequest(h, {}, auth), 400, "invalid_request", "INVALID_ARGUMENT");
    const password = await tokenRequest(h, { grant_type: "password", username: "u", password: "p" }, auth);
    assertOAuthError(password, 400, "unsupported_grant_type", "INVALID_ARGUMENT");
    const json = await h.openqod.app.inject({
      method: "POST",
      url: TOKEN_URL,
      headers: { "content-type": "application/json", ...auth },
      payload: JSON.stringify(CC),
    });
    assertOAuthError(json, 400, "invalid_request", "INVALID_ARGUMENT");
    assert.equal(json.headers["cache-control"], "no-store");
    const repeated = await h.openqod.app.inject({
      method: "POST",
      url: TOKEN_URL,
      headers: { "content-type": "application/x-www-form-urlencoded", ...auth },
      payload: "grant_type=client_credentials&grant_type=client_credentials",
    });
    assertOAuthError(repeated, 400, "invalid_request", "INVALID_ARGUMENT");
  });

  test("a form with a charset parameter is a form", async () => {
    const client = await newOAuthClient(h, "charset-acme");
    const res = await h.openqod.app.inject({
      method: "POST",
      url: TOKEN_URL,
      headers: {
        "content-type": "application/x-www-form-urlencoded; charset=UTF-8",
        ...basic(client.clientId, client.secret),
      },
      payload: "grant_type=client_credentials",
    });
    assert.equal(res.statusCode, 200, res.body);
  });

  test("the token endpoint does not take API keys: a Bearer key is no client authentication", async () => {
    const client = await newOAuthClient(h, "bearer-acme");
    const res = await tokenRequest(h, CC, { authorization: `Bearer ${client.key}` });
    assertOAuthError(res, 401, "invalid_client", "UNAUTHENTICATED");
  });
});

describe("the token endpoint: private_key_jwt (RFC 7523)", () => {
  let h: Harness;
  let jwks: JwksServer;
  before(async () => {
    h = await createHarness({ OPENQOD_TOKEN_RATE_BURST: "100000" });
    jwks = await JwksServer.start([]);
  });
  after(async () => {
    await h.close();
    await jwks.close();
  });

  const assertionForm = (assertion: string) => ({
    ...CC,
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
  });

  test("an assertion signed by a registered key (ES256) gets a token, with aud = the token endpoint or the issuer", async () => {
    const key = await clientKey("ES256");
    const { clientId } = await h.openqod.apiKeys.create("jwk-acme", h.clock.now(), {
      jwks: { keys: [{ ...key.publicJwk }] },
    });
    for (const aud of [TOKEN_ENDPOINT, ISSUER]) {
      const assertion = await clientAssertion(key, { clientId, aud, nowMs: h.clock.now() });
      const res = await tokenRequest(h, assertionForm(assertion));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(decodeJwt(res.json().access_token).client_id, clientId);
    }
  });

  test("a key published at the client's jwks_uri (a real loopback server, RS256) works, fetched once", async () => {
    const key = await clientKey("RS256");
    jwks.keys = [key.publicJwk];
    const { clientId } = await h.openqod.apiKeys.create("uri-acme", h.clock.now(), { jwksUri: jwks.url });
    for (let i = 0; i < 2; i++) {
      const assertion = await clientAssertion(key, { clientId, aud: TOKEN_ENDPOINT, nowMs: h.clock.now() });
      const res = await tokenRequest(h, { ...assertionForm(assertion), client_id: clientId });
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.equal(jwks.fetches, 1, "the JWKS is cached");
  });

  test("PS256 and EdDSA keys work as well as ES256 and RS256", async () => {
    for (const alg of ["PS256", "EdDSA"] as const) {
      const key = await clientKey(alg);
      const { clientId } = await h.openqod.apiKeys.create(`alg-${alg}-acme`, h.clock.now(), {
        jwks: { keys: [{ ...key.publicJwk }] },
      });
      const assertion = await clientAssertion(key, { clientId, aud: TOKEN_ENDPOINT, nowMs: h.clock.now() });
      const res = await tokenRequest(h, assertionForm(assertion));
      assert.equal(res.statusCode, 200, `${alg}: ${res.body}`);
    }
  });

  test("a jwks_uri that does not answer is 401 invalid_client, not a server error", async () => {
    const key = await clientKey();
    const gone = await JwksServer.start([key.publicJwk]);
    const url = gone.url;
    await gone.close();
    const { clientId } = await h.openqod.apiKeys.create("unreachable-acme", h.clock.now(), { jwksUri: url });
    const assertion = await clientAssertion(key, { clientId, aud: TOKEN_ENDPOINT, nowMs: h.clock.now() });
    assertOAuthError(
      await tokenRequest(h, assertionForm(assertion)),
      401,
      "invalid_client",
      "UNAUTHENTICATED",
    );
  });

  test("an assertion used twice (same jti) is 401 invalid_client the second time", async () => {
    const key = await clientKey();
    const { clientId } = await h.openqod.apiKeys.create("replay-acme", h.clock.now(), {
      jwks: { keys: [{ ...key.publicJwk }] },
    });
    const assertion = await clientAssertion(key, { clientId, aud: TOKEN_ENDPOINT, nowMs: h.clock.now() });
    assert.equal((await tokenRequest(h, assertionForm(assertion))).statusCode, 200);
    const again = assertOAuthError(
      await tokenRequest(h, assertionForm(assertion)),
      401,
      "invalid_client",
      "UNAUTHENTICATED",
    );
    assert.match(String(again.error_description), /jti/);
    const used = () => h.openqod.store.db.selectFrom("assertion_jtis").select("jti").execute();
    assert.ok((await used()).length > 0);
    // Once its assertion has expired (and a sweep is due) the used jti is deleted.
    h.clock.advance(61_000 + 30_000);
    const next = await clientAssertion(key, { clientId, aud: TOKEN_ENDPOINT, nowMs: h.clock.now() });
    assert.equal((await tokenRequest(h, assertionForm(next))).statusCode, 200);
    assert.deepEqual(
      (await used()).map((r) => r.jti),
      [decodeJwt(next).jti],
    );
  });

  test("refused assertions: another key, wrong aud, expired, exp too far ahead, iss not the client, HS256, none, bad type", async () => {
    const key = await clientKey();
    const other = await clientKey();
    const { clientId, secret } = await h.openqod.apiKeys.create("strict-acme", h.clock.now(), {
      jwks: { keys: [{ ...key.publicJwk }] },
    });
    const now = h.clock.now();
    const base = { clientId, aud: TOKEN_ENDPOINT, nowMs: now };
    const hs256 = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", kid: key.kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(TOKEN_ENDPOINT)
      .setExpirationTime(Math.floor(now / 1000) + 60)
      .setJti("hs")
      .sign(new TextEncoder().encode(secret));
    const none = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(
      JSON.stringify({
        iss: clientId,
        sub: clientId,
        aud: TOKEN_ENDPOINT,
        exp: Math.floor(now / 1000) + 60,
        jti: "n",
      }),
    ).toString("base64url")}.`;
    const cases: Record<string, string> = {
      "another key": await clientAssertion({ ...other, kid: key.kid }, base),
      "wrong aud": await clientAssertion(key, { ...base, aud: "https://elsewhere.example.com/token" }),
      expired: await clientAssertion(key, { ...base, nowMs: now - 600_000 }),
      "exp an hour ahead": await clientAssertion(key, { ...base, lifetimeS: 3600 }),
      "sub not the client": await clientAssertion(key, { ...base, claims: { sub: "someone-else" } }),
      HS256: hs256,
      none,
    };
    for (const [name, assertion] of Object.entries(cases)) {
      const res = await tokenRequest(h, assertionForm(assertion));
      assert.equal(res.statusCode, 401, `${name}: ${res.body}`);
      assert.equal(res.json().error, "invalid_client", name);
      assert.equal(res.json().code, "UNAUTHENTICATED", name);
    }
    const good = await clientAssertion(key, base);
    const badType = await tokenRequest(h, {
      ...assertionForm(good),
      client_assertion_type: "urn:example:saml",
    });
    assertOAuthError(badType, 400, "invalid_request", "INVALID_ARGUMENT");
  });

  test("a revoked client's assertion is 401 invalid_client", async () => {
    const key = await clientKey();
    const { clientId } = await h.openqod.apiKeys.create("gone-acme", h.clock.now(), {
      jwks: { keys: [{ ...key.publicJwk }] },
    });
    await h.openqod.store.revokeClient("gone-acme", h.clock.now());
    const assertion = await clientAssertion(key, { clientId, aud: TOKEN_ENDPOINT, nowMs: h.clock.now() });
    assertOAuthError(
      await tokenRequest(h, assertionForm(assertion)),
      401,
      "invalid_client",
      "UNAUTHENTICATED",
    );
  });
});

describe("discovery and JWKS", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  test("both well-known paths serve the same metadata, naming the issuer and every endpoint", async () => {
    const oidc = await h.request("GET", "/.well-known/openid-configuration", undefined, { key: null });
    const oauth = await h.request("GET", "/.well-known/oauth-authorization-server", undefined, { key: null });
    assert.equal(oidc.statusCode, 200, oidc.body);
    assert.deepEqual(oauth.json(), oidc.json());
    const doc = oidc.json();
    assert.equal(doc.issuer, ISSUER);
    assert.equal(doc.token_endpoint, TOKEN_ENDPOINT);
    assert.equal(doc.jwks_uri, `${ISSUER}/oauth2/v1/jwks`);
    assert.ok(doc.grant_types_supported.includes("client_credentials"));
    assert.deepEqual(doc.token_endpoint_auth_methods_supported, [
      "client_secret_basic",
      "client_secret_post",
      "private_key_jwt",
    ]);
    assert.deepEqual(doc.token_endpoint_auth_signing_alg_values_supported, [
      "RS256",
      "PS256",
      "ES256",
      "EdDSA",
    ]);
    // The operator role is supported (granted by name), though no client has it without asking.
    assert.deepEqual(doc.scopes_supported, [...KNOWN_SCOPES, "openid"]);
    assert.deepEqual(doc.response_types_supported, []);
  });

  test("the JWKS holds the key that signed a token, public only, cacheable briefly", async () => {
    const client = await newOAuthClient(h, "jwks-acme");
    const token = await accessToken(h, client);
    const res = await h.request("GET", "/oauth2/v1/jwks", undefined, { key: null });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["cache-control"], "public, max-age=60");
    const { keys } = res.json() as { keys: Record<string, unknown>[] };
    const key = keys.find((k) => k.kid === decodeProtectedHeader(token).kid);
    assert.ok(key, "the token's kid is in the JWKS");
    assert.equal(key.kty, "EC");
    assert.equal(key.crv, "P-256");
    assert.equal(key.alg, "ES256");
    assert.equal(key.d, undefined, "no private part");
  });
});
