import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { ALL_SCOPES } from "../src/auth/scopes.ts";
import { createHarness, type Harness } from "./helpers/harness.ts";
import { accessToken, basic, newOAuthClient, tokenRequest } from "./helpers/oauth.ts";

const ISSUER = "http://127.0.0.1:9091";
const PROFILE = "/qos-profiles/v1/qos-profiles/QOS_E";

describe("the token endpoint (client_credentials)", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  test("client_secret_basic gets an ES256 at+jwt with every scope of the client, not cached", async () => {
    const client = await newOAuthClient(h, "basic-acme");
    const res = await tokenRequest(
      h,
      { grant_type: "client_credentials" },
      basic(client.clientId, client.secret),
    );
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
    assert.equal(claims.exp, (claims.iat ?? 0) + 3600);
    assert.equal(claims.iat, Math.floor(h.clock.now() / 1000));
    assert.equal(typeof claims.jti, "string");
  });

  test("the token is accepted by the APIs as a Bearer credential", async () => {
    const client = await newOAuthClient(h, "api-acme");
    const token = await accessToken(h, client);
    const res = await h.request("GET", PROFILE, undefined, { key: token });
    assert.equal(res.statusCode, 200, res.body);
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
    assert.equal(doc.token_endpoint, `${ISSUER}/oauth2/v1/token`);
    assert.equal(doc.jwks_uri, `${ISSUER}/oauth2/v1/jwks`);
    assert.ok(doc.grant_types_supported.includes("client_credentials"));
    assert.deepEqual(doc.token_endpoint_auth_methods_supported, [
      "client_secret_basic",
      "client_secret_post",
      "private_key_jwt",
    ]);
    assert.deepEqual(doc.scopes_supported, [...ALL_SCOPES, "openid"]);
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
