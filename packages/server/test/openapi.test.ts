import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { KNOWN_SCOPES, OPERATOR_SCOPE, scopeOf } from "../src/auth/scopes.ts";
import { ERRORS } from "../src/errors.ts";
import { createHarness, type Harness, sessionBody } from "./helpers/harness.ts";

interface Media {
  schema?: unknown;
  examples?: Record<string, { summary?: string; value?: unknown }>;
}
interface Operation {
  summary?: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { description?: string; content?: Record<string, Media> }>;
}
interface Document {
  tags?: Array<{ name: string; description?: string }>;
  components?: { securitySchemes?: Record<string, { description?: string }> };
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/** Every operation of the document, as [METHOD path, operation]. */
function operations(doc: Document): Array<[string, string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]): [string, string, Operation] => [method.toUpperCase(), path, op]),
  );
}

const nonEmpty = (text: unknown) => typeof text === "string" && text.trim().length > 0;

describe("the OpenAPI document", () => {
  let h: Harness;
  let doc: Document;
  before(async () => {
    h = await createHarness();
    const res = await h.request("GET", "/openapi.json", undefined, { key: null });
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });
  after(() => h.close());

  test("describes its tags and its security scheme", () => {
    assert.ok((doc.tags ?? []).length > 0);
    for (const tag of doc.tags ?? [])
      assert.ok(nonEmpty(tag.description), `tag ${tag.name} has a description`);
    const schemes = Object.entries(doc.components?.securitySchemes ?? {});
    assert.ok(schemes.length > 0);
    for (const [name, scheme] of schemes) assert.ok(nonEmpty(scheme.description), `${name} is described`);
  });

  test("every operation has a summary, a description, an operationId, tags and examples of its body, success and errors", () => {
    const tags = new Set((doc.tags ?? []).map((t) => t.name));
    const problems: string[] = [];
    const ids = new Set<string>();
    const ops = operations(doc);
    assert.ok(ops.length >= 13, `${ops.length} operations`);
    for (const [method, path, op] of ops) {
      const where = `${method} ${path}`;
      const missing = (what: string) => problems.push(`${where}: ${what}`);
      if (!nonEmpty(op.summary)) missing("no summary");
      if (!nonEmpty(op.description)) missing("no description");
      if (!nonEmpty(op.operationId)) missing("no operationId");
      else if (ids.has(op.operationId ?? "")) missing(`operationId ${op.operationId} is not unique`);
      else ids.add(op.operationId ?? "");
      if ((op.tags ?? []).length === 0) missing("no tags");
      for (const tag of op.tags ?? [])
        if (!tags.has(tag)) missing(`tag "${tag}" is not among the document's tags`);
      if (op.requestBody !== undefined) {
        const examples = op.requestBody.content?.["application/json"]?.examples ?? {};
        if (Object.keys(examples).length === 0) missing("no request body example");
      }
      const responses = Object.entries(op.responses ?? {});
      const successes = responses.filter(([status]) => status.startsWith("2"));
      const failures = responses.filter(([status]) => /^[45]/.test(status));
      if (successes.length === 0) missing("no success response");
      if (failures.length === 0) missing("no error response");
      for (const [status, response] of responses) {
        if (!nonEmpty(response.description) || response.description === "Default Response")
          missing(`${status} has no description of its own`);
        if (status === "204") continue;
        const examples = response.content?.["application/json"]?.examples ?? {};
        if (Object.keys(examples).length === 0) {
          missing(`${status} has no example`);
          continue;
        }
        if (!/^[45]/.test(status)) continue;
        for (const [name, example] of Object.entries(examples)) {
          const value = example.value as { status?: unknown; code?: unknown; message?: unknown } | undefined;
          const code = String(value?.code) as keyof typeof ERRORS;
          if (value?.status !== Number(status))
            missing(`${status} example ${name} has status ${value?.status}`);
          if (ERRORS[code]?.status !== Number(status))
            missing(`${status} example ${name}: ${code} is not a ${status}`);
          if (!nonEmpty(value?.message)) missing(`${status} example ${name} has no message`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test("every request body example is accepted by the server", async (t) => {
    let phone = 36_790_000_000;
    const newSession = async () => {
      const res = await h.request(
        "POST",
        "/quality-on-demand/v1/sessions",
        sessionBody({ device: { phoneNumber: `+${++phone}` } }),
      );
      assert.equal(res.statusCode, 201, res.body);
      return res.json().sessionId as string;
    };
    // Operator operations (pausing a sink) are sent as an operator; pause comes before resume.
    const operator = (await h.openqod.apiKeys.create("ops", h.clock.now(), { scopes: [...KNOWN_SCOPES] }))
      .key;
    let sent = 0;
    for (const [method, path, op] of operations(doc)) {
      const examples = op.requestBody?.content?.["application/json"]?.examples ?? {};
      if (Object.keys(examples).length === 0) continue;
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      if (params.some((p) => p !== "sessionId")) {
        t.diagnostic(`${method} ${path}: not sent, no value for ${params.join(", ")}`);
        continue;
      }
      for (const [name, example] of Object.entries(examples)) {
        const sessionId = params.length > 0 ? await newSession() : undefined;
        const url = sessionId === undefined ? path : path.replace("{sessionId}", sessionId);
        const key = scopeOf(op.operationId) === OPERATOR_SCOPE ? operator : undefined;
        const res = await h.request(method, url, example.value, key === undefined ? {} : { key });
        assert.ok(
          res.statusCode >= 200 && res.statusCode < 300,
          `${method} ${path} example ${name}: ${res.statusCode} ${res.body}`,
        );
        sent++;
        const created = (res.statusCode === 201 ? res.json().sessionId : undefined) ?? sessionId;
        // Each example starts from nothing: its session would overlap the next example's flow.
        if (typeof created === "string") {
          const deleted = await h.request("DELETE", `/quality-on-demand/v1/sessions/${created}`);
          assert.equal(deleted.statusCode, 204);
        }
      }
    }
    assert.ok(sent >= 9, `${sent} examples sent`);
  });

  test("the success examples of a session read are what the server answers, field for field", async () => {
    const created = await h.request("POST", "/quality-on-demand/v1/sessions", sessionBody());
    assert.equal(created.statusCode, 201, created.body);
    const actual = created.json() as Record<string, unknown>;
    const example = doc.paths["/quality-on-demand/v1/sessions/{sessionId}"]?.get?.responses?.["200"]
      ?.content?.["application/json"]?.examples?.available?.value as Record<string, unknown>;
    assert.deepEqual(Object.keys(example).sort(), Object.keys(actual).sort());
    assert.deepEqual(
      { ...example, sessionId: "", startedAt: "", expiresAt: "" },
      { ...actual, sessionId: "", startedAt: "", expiresAt: "" },
    );
    await h.request("DELETE", `/quality-on-demand/v1/sessions/${actual.sessionId}`);
  });
});
