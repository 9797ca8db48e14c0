import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ALL_SCOPES, OPERATOR_SCOPE } from "../src/auth/scopes.ts";
import { createHarness, type Harness } from "./helpers/harness.ts";

const ADMIN = "/admin/v1";
const SESSIONS = "/notifications/v1/sessions";

describe("API clients over HTTP (/admin/v1/clients, operators only)", () => {
  let h: Harness;
  let operator: string;

  before(async () => {
    h = await createHarness();
    // In the harness (bound to 0.0.0.0) the sandbox client is no operator: make one.
    operator = (
      await h.openqod.apiKeys.create("ops", h.clock.now(), { scopes: [...ALL_SCOPES, OPERATOR_SCOPE] })
    ).key;
  });
  after(() => h.close());

  const create = (body: unknown, key = operator) => h.request("POST", `${ADMIN}/clients`, body, { key });

  test("a created client's key works at once, the list shows it, and key and secret are shown only then", async () => {
    const res = await create({ name: "acme-ci" });
    assert.equal(res.statusCode, 201);
    const made = res.json();
    assert.equal(made.name, "acme-ci");
    assert.equal(made.scopes, null);
    assert.match(made.apiKey, /^oqd_/);
    assert.match(made.clientSecret, /^oqs_/);
    assert.equal((await h.request("GET", SESSIONS, undefined, { key: made.apiKey })).statusCode, 200);

    const list = await h.request("GET", `${ADMIN}/clients`, undefined, { key: operator });
    assert.equal(list.statusCode, 200);
    const listed = list.json().clients.find((c: { name: string }) => c.name === "acme-ci");
    assert.deepEqual(Object.keys(listed).sort(), ["clientId", "createdAt", "name", "scopes"]);
    assert.equal(listed.clientId, made.clientId);
    assert.doesNotMatch(list.body, new RegExp(made.apiKey));
  });

  test("rotating gives a new key at once: the old one answers 401 UNAUTHENTICATED", async () => {
    const made = (await create({ name: "rotated" })).json();
    assert.equal((await h.request("GET", SESSIONS, undefined, { key: made.apiKey })).statusCode, 200);
    const res = await h.request("POST", `${ADMIN}/clients/rotated/rotate`, {}, { key: operator });
    assert.equal(res.statusCode, 200);
    const rotated = res.json();
    assert.equal(rotated.clientId, made.clientId);
    assert.notEqual(rotated.apiKey, made.apiKey);
    assert.notEqual(rotated.clientSecret, made.clientSecret);
    const old = await h.request("GET", SESSIONS, undefined, { key: made.apiKey });
    assert.equal(old.statusCode, 401);
    assert.equal(old.json().code, "UNAUTHENTICATED");
    assert.equal((await h.request("GET", SESSIONS, undefined, { key: rotated.apiKey })).statusCode, 200);
  });

  test("rotating only the secret keeps the key", async () => {
    const made = (await create({ name: "secret-only" })).json();
    const res = await h.request(
      "POST",
      `${ADMIN}/clients/secret-only/rotate`,
      { apiKey: false },
      { key: operator },
    );
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().apiKey, undefined);
    assert.match(res.json().clientSecret, /^oqs_/);
    assert.equal((await h.request("GET", SESSIONS, undefined, { key: made.apiKey })).statusCode, 200);
  });

  test("a revoked client's key answers 401 at once, and the list shows when it was revoked", async () => {
    const made = (await create({ name: "revoked" })).json();
    assert.equal((await h.request("GET", SESSIONS, undefined, { key: made.apiKey })).statusCode, 200);
    const res = await h.request("DELETE", `${ADMIN}/clients/revoked`, undefined, { key: operator });
    assert.equal(res.statusCode, 204);
    const after = await h.request("GET", SESSIONS, undefined, { key: made.apiKey });
    assert.equal(after.statusCode, 401);
    assert.equal(after.json().code, "UNAUTHENTICATED");
    const list = (await h.request("GET", `${ADMIN}/clients`, undefined, { key: operator })).json();
    const listed = list.clients.find((c: { name: string }) => c.name === "revoked");
    assert.match(listed.revokedAt, /^\d{4}-\d\d-\d\dT/);
  });

  test("a client that is no operator (the sandbox client here) gets 403 PERMISSION_DENIED", async () => {
    const other = await h.newClient("plain");
    for (const key of [undefined, other]) {
      for (const [method, url, body] of [
        ["GET", `${ADMIN}/clients`, undefined],
        ["POST", `${ADMIN}/clients`, { name: "sneaky" }],
        ["POST", `${ADMIN}/clients/ops/rotate`, {}],
        ["DELETE", `${ADMIN}/clients/ops`, undefined],
      ] as const) {
        const res = await h.request(method, url, body, key === undefined ? {} : { key });
        assert.equal(res.statusCode, 403, `${method} ${url}`);
        assert.equal(res.json().code, "PERMISSION_DENIED");
      }
    }
    assert.equal((await h.request("GET", SESSIONS, undefined, { key: operator })).statusCode, 200);
  });

  test("a name that exists is 409 CONFLICT", async () => {
    assert.equal((await create({ name: "twice" })).statusCode, 201);
    const res = await create({ name: "twice" });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), {
      status: 409,
      code: "CONFLICT",
      message: "client twice already exists; rotate its key for a new one",
    });
  });

  test("a bad name or an unknown scope is 400 INVALID_ARGUMENT", async () => {
    const badName = await create({ name: "acme ci" });
    assert.equal(badName.statusCode, 400);
    assert.equal(badName.json().code, "INVALID_ARGUMENT");
    assert.match(badName.json().message, /not a client name/);
    const badScope = await create({ name: "scoped", scopes: ["quality-on-demand:nope"] });
    assert.equal(badScope.statusCode, 400);
    assert.equal(badScope.json().code, "INVALID_ARGUMENT");
    assert.equal(badScope.json().message, "unknown scope: quality-on-demand:nope");
  });

  test("a client made with scopes has only those", async () => {
    const res = await create({ name: "reader", scopes: ["quality-on-demand:sessions:read"] });
    assert.equal(res.statusCode, 201);
    assert.deepEqual(res.json().scopes, ["quality-on-demand:sessions:read"]);
    const made = res.json();
    const denied = await h.request("GET", SESSIONS, undefined, { key: made.apiKey });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().code, "PERMISSION_DENIED");
  });

  test("rotating or revoking an unknown client is 404 NOT_FOUND", async () => {
    const rotate = await h.request("POST", `${ADMIN}/clients/nobody/rotate`, {}, { key: operator });
    assert.equal(rotate.statusCode, 404);
    assert.equal(rotate.json().code, "NOT_FOUND");
    const revoke = await h.request("DELETE", `${ADMIN}/clients/nobody`, undefined, { key: operator });
    assert.equal(revoke.statusCode, 404);
    assert.equal(revoke.json().code, "NOT_FOUND");
  });

  test("the sandbox client is not rotated or revoked over HTTP (409 CONFLICT): its key stays the one sign-in hands out", async () => {
    const rotate = await h.request("POST", `${ADMIN}/clients/sandbox/rotate`, {}, { key: operator });
    assert.equal(rotate.statusCode, 409);
    assert.equal(rotate.json().code, "CONFLICT");
    const revoke = await h.request("DELETE", `${ADMIN}/clients/sandbox`, undefined, { key: operator });
    assert.equal(revoke.statusCode, 409);
    assert.equal(revoke.json().code, "CONFLICT");
    const still = await h.request("GET", SESSIONS);
    assert.equal(still.statusCode, 200);
  });
});
