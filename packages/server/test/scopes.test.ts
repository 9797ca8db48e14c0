import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { KNOWN_SCOPES, OPERATION_SCOPES } from "../src/auth/scopes.ts";
import { createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { basic, newOAuthClient, tokenRequest } from "./helpers/oauth.ts";

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
}

describe("scopes", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  test("CAMARA's operations need the scopes CAMARA's definitions name", () => {
    // From quality-on-demand.yaml and qos-profiles.yaml (r3.2), operation by operation.
    assert.deepEqual(
      {
        createSession: OPERATION_SCOPES.createSession,
        getSession: OPERATION_SCOPES.getSession,
        deleteSession: OPERATION_SCOPES.deleteSession,
        extendQosSessionDuration: OPERATION_SCOPES.extendQosSessionDuration,
        retrieveSessionsByDevice: OPERATION_SCOPES.retrieveSessionsByDevice,
        getQosProfile: OPERATION_SCOPES.getQosProfile,
        retrieveQoSProfiles: OPERATION_SCOPES.retrieveQoSProfiles,
      },
      {
        createSession: "quality-on-demand:sessions:create",
        getSession: "quality-on-demand:sessions:read",
        deleteSession: "quality-on-demand:sessions:delete",
        extendQosSessionDuration: "quality-on-demand:sessions:update",
        retrieveSessionsByDevice: "quality-on-demand:sessions:retrieve-by-device",
        getQosProfile: "qos-profiles:read",
        retrieveQoSProfiles: "qos-profiles:read",
      },
    );
  });

  test("every operation of the served document states its scope, and the scope is one OpenQoD knows", async () => {
    const res = await h.request("GET", "/openapi.json", undefined, { key: null });
    const doc = res.json() as { paths: Record<string, Record<string, Operation>> };
    const problems: string[] = [];
    let count = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        // The authorization server's own endpoints are authenticated by the client, not by a bearer token.
        if (path.startsWith("/oauth2/") || path.startsWith("/.well-known/")) continue;
        count++;
        // An operation that declares `security: []` takes no credential (the sandbox's one-click sign-in).
        if (op.security !== undefined && op.security.length === 0) continue;
        const scopes = op.security?.find((s) => s.openId !== undefined)?.openId ?? [];
        if (scopes.length !== 1 || !KNOWN_SCOPES.includes(scopes[0] as (typeof KNOWN_SCOPES)[number]))
          problems.push(
            `${method.toUpperCase()} ${path} (${op.operationId}): ${JSON.stringify(op.security)}`,
          );
      }
    }
    assert.ok(count >= 15, `${count} operations`);
    assert.deepEqual(problems, []);
  });

  test("an API key carries its client's scopes only: another operation is 403 PERMISSION_DENIED naming the scope", async () => {
    const created = await h.openqod.apiKeys.create("reader", h.clock.now(), {
      scopes: ["quality-on-demand:sessions:read"],
    });
    const create = await h.request("POST", "/quality-on-demand/v1/sessions", sessionBody(), {
      key: created.key,
    });
    assert.equal(create.statusCode, 403);
    assert.equal(create.json().code, "PERMISSION_DENIED");
    assert.match(create.json().message, /quality-on-demand:sessions:create/);
    assert.match(String(create.headers["www-authenticate"]), /insufficient_scope/);
    // The scope it has works: a session of another client is 403 for ownership, an unknown one 404.
    const read = await h.request(
      "GET",
      "/quality-on-demand/v1/sessions/0190a0f0-0000-7000-8000-000000000000",
      undefined,
      { key: created.key },
    );
    assert.equal(read.statusCode, 404);
    assert.equal(read.json().code, "NOT_FOUND");
  });

  test("credentials are checked before the request is validated: bad input without a credential is 401, not 400", async () => {
    const badId = await h.request("GET", "/quality-on-demand/v1/sessions/not-a-uuid", undefined, {
      key: null,
    });
    assert.equal(badId.statusCode, 401);
    assert.equal(badId.json().code, "UNAUTHENTICATED");
    const badBody = await h.request(
      "POST",
      "/quality-on-demand/v1/sessions",
      { qosProfile: 7 },
      { key: "oqd_wrong" },
    );
    assert.equal(badBody.statusCode, 401);
    assert.equal(badBody.json().code, "UNAUTHENTICATED");
    // With a valid key the same input is the 400 it deserves.
    const withKey = await h.request("GET", "/quality-on-demand/v1/sessions/not-a-uuid");
    assert.equal(withKey.statusCode, 400);
    assert.equal(withKey.json().code, "INVALID_ARGUMENT");
  });

  test("a client made before scopes existed (scopes null) may do everything", async () => {
    const key = await h.newClient("legacy");
    const res = await h.request("POST", "/qos-profiles/v1/retrieve-qos-profiles", {}, { key });
    assert.equal(res.statusCode, 200);
  });

  test("the operator role is never implied: a client made without scopes cannot ask for it, one given it can", async () => {
    const plain = await newOAuthClient(h, "no-role");
    const refused = await tokenRequest(
      h,
      { grant_type: "client_credentials", scope: "openqod:operator" },
      basic(plain.clientId, plain.secret),
    );
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.json().error, "invalid_scope");
    const pause = await h.request(
      "POST",
      "/notifications/v1/sinks/pause",
      { origin: "https://sink.example" },
      { key: plain.key },
    );
    assert.equal(pause.statusCode, 403);
    assert.equal(pause.json().code, "PERMISSION_DENIED");

    const ops = await newOAuthClient(h, "ops", {
      scopes: ["openqod:operator", "openqod:notifications:read"],
    });
    const granted = await tokenRequest(
      h,
      { grant_type: "client_credentials", scope: "openqod:operator" },
      basic(ops.clientId, ops.secret),
    );
    assert.equal(granted.statusCode, 200, granted.body);
    assert.equal(granted.json().scope, "openqod:operator");
    const paused = await h.request(
      "POST",
      "/notifications/v1/sinks/pause",
      { origin: "https://sink.example" },
      { headers: { authorization: `Bearer ${granted.json().access_token}` } },
    );
    assert.equal(paused.statusCode, 200, paused.body);
  });
});
