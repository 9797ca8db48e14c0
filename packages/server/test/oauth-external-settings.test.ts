import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { metadataUrls } from "../src/auth/issuer-discovery.ts";
import { ConfigError, loadConfig } from "../src/config.ts";

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig([], env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return [];
}

describe("external identity provider settings", () => {
  test("off by default; the defaults read scope, client_id and no device, with asymmetric algorithms", () => {
    const config = loadConfig([], {});
    assert.equal(config.oauthIssuer, null);
    assert.equal(config.oauthAudience, null, "null: the public URL");
    assert.equal(config.oauthScopeClaim, "scope");
    assert.equal(config.oauthClientClaim, "client_id");
    assert.equal(config.oauthDeviceClaim, null);
    assert.deepEqual(config.oauthAlgorithms, ["RS256", "PS256", "ES256", "EdDSA"]);
  });

  test("the issuer is kept exactly as written, trailing slash and all (tokens' iss must equal it)", () => {
    const config = loadConfig(["--oauth-issuer", "https://idp.example/realms/qod/"], {
      OPENQOD_OAUTH_AUDIENCE: "qod-api",
      OPENQOD_OAUTH_SCOPE_CLAIM: "scp",
      OPENQOD_OAUTH_CLIENT_CLAIM: "appid",
      OPENQOD_OAUTH_DEVICE_CLAIM: "device",
      OPENQOD_OAUTH_ALGORITHMS: "ES256, PS256",
    });
    assert.equal(config.oauthIssuer, "https://idp.example/realms/qod/");
    assert.equal(config.oauthAudience, "qod-api");
    assert.equal(config.oauthScopeClaim, "scp");
    assert.equal(config.oauthClientClaim, "appid");
    assert.equal(config.oauthDeviceClaim, "device");
    assert.deepEqual(config.oauthAlgorithms, ["ES256", "PS256"]);
    assert.equal(
      loadConfig([], { OPENQOD_OAUTH_ISSUER: "http://127.0.0.1:8080" }).oauthIssuer,
      "http://127.0.0.1:8080",
    );
    assert.equal(
      loadConfig([], { OPENQOD_OAUTH_ISSUER: "http://[::1]:8080/x" }).oauthIssuer,
      "http://[::1]:8080/x",
    );
  });

  test("http:// only on loopback; no query, no fragment; never none or HS* algorithms", () => {
    assert.deepEqual(problems({ OPENQOD_OAUTH_ISSUER: "http://idp.example" }), [
      'OPENQOD_OAUTH_ISSUER="http://idp.example" must be an https:// URL (http:// only on a loopback address)',
    ]);
    assert.deepEqual(problems({ OPENQOD_OAUTH_ISSUER: "https://idp.example/?tenant=1" }), [
      'OPENQOD_OAUTH_ISSUER="https://idp.example/?tenant=1" must have no query or fragment (an OpenID issuer has neither)',
    ]);
    assert.deepEqual(problems({ OPENQOD_OAUTH_ISSUER: "idp.example" }), [
      'OPENQOD_OAUTH_ISSUER="idp.example" must be an absolute URL',
    ]);
    for (const algorithms of ["none", "HS256", "ES256,HS512", ""]) {
      const found = problems({
        OPENQOD_OAUTH_ISSUER: "https://idp.example",
        OPENQOD_OAUTH_ALGORITHMS: algorithms,
      });
      // An empty variable is "not given": the default stands.
      if (algorithms === "") assert.deepEqual(found, []);
      else {
        assert.equal(found.length, 1, algorithms);
        assert.match(
          found[0] ?? "",
          /^OPENQOD_OAUTH_ALGORITHMS=".*" must list asymmetric JWS algorithms .*never none or HS\*/,
        );
      }
    }
  });

  test("an audience or device claim without an issuer is a mistake, reported by name", () => {
    assert.deepEqual(problems({ OPENQOD_OAUTH_AUDIENCE: "qod", OPENQOD_OAUTH_DEVICE_CLAIM: "device" }), [
      "OPENQOD_OAUTH_AUDIENCE is set but OPENQOD_OAUTH_ISSUER is not: set the identity provider",
      "OPENQOD_OAUTH_DEVICE_CLAIM is set but OPENQOD_OAUTH_ISSUER is not: set the identity provider",
    ]);
  });

  test("discovery: OpenID appends to the issuer's path, RFC 8414 inserts before it", () => {
    assert.deepEqual(metadataUrls("https://idp.example/realms/qod/"), [
      "https://idp.example/realms/qod/.well-known/openid-configuration",
      "https://idp.example/.well-known/oauth-authorization-server/realms/qod",
    ]);
    assert.deepEqual(metadataUrls("https://idp.example"), [
      "https://idp.example/.well-known/openid-configuration",
      "https://idp.example/.well-known/oauth-authorization-server",
    ]);
  });
});
