/**
 * Malformed requests against a listening server: at least FUZZ_REQUESTS of them, across every operation
 * the server serves, byte-level ones over raw sockets, the rest through undici. Every answer must be a
 * CAMARA error (or a success), never a 5xx, never a reset or silence; afterwards the server still serves.
 *
 * The cases come from a seeded PRNG: OPENQOD_FUZZ_SEED=<seed> replays a run; a failure prints its
 * seed and the request that failed.
 */
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Pool } from "undici";
import { createHarness, type Harness, SANDBOX_KEY, sessionBody } from "./helpers/harness.ts";
import { NoAnswer, RawClient } from "./helpers/raw-http.ts";

const FUZZ_REQUESTS = Number(process.env.OPENQOD_FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.OPENQOD_FUZZ_SEED ?? randomInt(2 ** 31));
/** Connections per kind of client: enough to keep the server busy, few enough for a shared machine. */
const CONCURRENCY = 6;
/** A bound on the whole run; the test fails if the requests were not all answered by then. */
const TIME_LIMIT_MS = 150_000;

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Dice {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = prng(seed);
  }
  int(below: number): number {
    return Math.floor(this.#next() * below);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
}

interface Operation {
  method: string;
  /** With `{param}` placeholders, as the OpenAPI document writes them. */
  path: string;
  /** A valid body to mutate, for operations that take one. */
  body?: unknown;
}

const UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const DEVICE = { phoneNumber: "+36721601234567" };
const v0Body = {
  device: DEVICE,
  applicationServer: { ipv4Address: "233.252.0.2" },
  qosProfile: "QOS_L",
  duration: 600,
  webhook: { notificationUrl: "http://127.0.0.1:9/hook", notificationAuthToken: "token-0123456789" },
};
/** Valid bodies by path; operations not listed here take none. */
const BODIES: Record<string, unknown> = {
  "/quality-on-demand/v1/sessions": sessionBody({ duration: 600 }),
  "/quality-on-demand/v1/sessions/{sessionId}/extend": { requestedAdditionalDuration: 60 },
  "/quality-on-demand/v1/retrieve-sessions": { device: DEVICE },
  "/qod/v0/sessions": v0Body,
  "/qod/v0/sessions/{sessionId}/extend": { requestedAdditionalDuration: 60 },
  "/qod/v0/retrieve-sessions": { device: DEVICE },
  "/qos-profiles/v1/retrieve-qos-profiles": { status: "ACTIVE" },
  "/notifications/v1/webhook-secrets/rotate": { graceSeconds: 60 },
};
/** Routes the OpenAPI document hides: the front door, the API reference and the operators' endpoints. */
const HIDDEN: Operation[] = [
  "/",
  "/docs",
  "/docs/json",
  "/docs/static/{file}",
  "/health",
  "/ready",
  "/metrics",
  "/openapi.json",
].map((path) => ({ method: "GET", path }));

const PARAMS = ["sessionId", "name", "notificationId", "file", "ruleId"];
const ODD_METHODS = [
  "FOO",
  "get",
  "G ET",
  "PROPFIND",
  "TRACE",
  "OPTIONS",
  "PURGE",
  "M-SEARCH",
  "QUERY",
  "PATCH",
  "PUT",
  "LINK",
  "CONNECT",
  "HEAD",
  "\x00GET",
  "GET\t",
];
const BAD_ESCAPES = [
  "%",
  "%z",
  "%zz",
  "%u0000",
  "%00",
  "%c0%af",
  "%ff",
  "%e0%a4%a",
  "%%",
  "%2",
  "%G1",
  "%ed%a0%80",
];
const CONTENT_TYPES = [
  "text/plain",
  "application/xml",
  "multipart/form-data; boundary=x",
  "application/json; charset=latin1",
  "application/x-www-form-urlencoded",
  ";;;",
  "application/json, text/plain",
  "appli cation/json",
  "*/*",
  "application/cloudevents+json",
  "",
];
const WEIRD_VALUES: unknown[] = [
  null,
  "",
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  true,
  [],
  {},
  "x".repeat(5000),
  "\u0000",
  "\ud800",
  "ﬀ𝕏",
  [[[[[]]]]],
  { __proto__: { admin: true } },
  "2026-13-45T99:99:99Z",
  "+0",
  "3600",
  "<script>",
];

/** A concrete path for `template`: parameters filled with plausible values, or with long, odd ones. */
function fill(dice: Dice, template: string, odd: boolean): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (odd && dice.chance(0.5))
      return dice.pick(["", "x".repeat(dice.int(3000)), "%20", "..", "a%2Fb", "%ff", "QOS_L;x=1", "-1"]);
    if (name === "file") {
      return dice.pick([
        "index.html",
        "swagger-ui.css",
        "%00",
        "..%2f..%2fpackage.json",
        ".env",
        "a/".repeat(dice.int(2000)),
        "index.html/",
        "",
      ]);
    }
    if (name === "name") return dice.pick(["QOS_L", "QOS_E", "QOS_S", "QOS_M", "NOPE", "Q".repeat(256)]);
    return dice.pick([UUID, "not-a-uuid", "00000000-0000-0000-0000-000000000000", UUID.toUpperCase()]);
  });
}

/** `value` with one part replaced by something of the wrong type, size or shape (or removed, or added). */
function mutate(dice: Dice, value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > 4 || dice.chance(0.2))
    return dice.pick(WEIRD_VALUES);
  const copy: Record<string, unknown> = Array.isArray(value) ? { ...value } : { ...(value as object) };
  const keys = Object.keys(copy);
  const roll = dice.int(10);
  if (roll === 0 || keys.length === 0)
    copy[dice.pick(["extra", "__proto__", "constructor", "qosProfile", "", "device"])] =
      dice.pick(WEIRD_VALUES);
  else if (roll === 1) delete copy[dice.pick(keys)];
  else {
    const key = dice.pick(keys);
    copy[key] = mutate(dice, copy[key], depth + 1);
  }
  return Array.isArray(value) ? Object.values(copy) : copy;
}

/** A JSON text that is not valid JSON, or is valid but far too big or too deep. */
function brokenJson(dice: Dice, valid: string): string {
  switch (dice.int(7)) {
    case 0:
      return valid.slice(0, dice.int(valid.length));
    case 1: {
      const at = dice.int(valid.length);
      return `${valid.slice(0, at)}${dice.pick(["}", "{", ",", '"', "\\", "\u0000", "NaN", "'"])}${valid.slice(at)}`;
    }
    case 2:
      return "[".repeat(dice.int(70_000));
    case 3:
      return JSON.stringify({ ...(JSON.parse(valid) as object), pad: "p".repeat(60_000 + dice.int(40_000)) });
    case 4:
      return '{"__proto__": {"polluted": true}, "device": {}}';
    case 5:
      return dice.pick(["", " ", "null", "0", '"text"', "[]", "true", "{}"]);
    default:
      return '{"constructor": {"prototype": {"polluted": true}}}';
  }
}

/** One request, as bytes for a raw socket. */
function rawCase(dice: Dice, op: Operation): { bytes: Buffer; head: boolean } {
  let method = op.method;
  let target = fill(dice, op.path, dice.chance(0.3));
  let version = "HTTP/1.1";
  const headers: string[] = ["Host: 127.0.0.1", `Authorization: Bearer ${SANDBOX_KEY}`];
  if (dice.chance(0.3)) headers.push(`x-correlator: fuzz-${dice.int(1e6)}`);
  let body = op.body === undefined ? "" : JSON.stringify(op.body);
  const raw = (s: string) => Buffer.from(s, "latin1");
  const insert = (s: string, what: string) => {
    const at = dice.int(s.length + 1);
    return `${s.slice(0, at)}${what}${s.slice(at)}`;
  };
  const oddByte = () =>
    String.fromCharCode(dice.pick([0, 1, 8, 9, 10, 11, 12, 13, 27, 31, 127, 128, 160, 200, 255]));
  switch (dice.int(9)) {
    case 0:
      target = insert(target, dice.pick(BAD_ESCAPES));
      break;
    case 1:
      target = `${target}?q=${"a".repeat(dice.int(40_000))}`;
      break;
    case 2:
      headers.push(`X-Big: ${"b".repeat(dice.int(40_000))}`);
      break;
    case 3:
      for (let i = dice.int(300); i > 0; i--) headers.push(`X-H${i}: ${"h".repeat(dice.int(200))}`);
      break;
    case 4:
      target = insert(target, oddByte());
      break;
    case 5: {
      const line = dice.int(headers.length + 1);
      headers.splice(
        line,
        0,
        insert(dice.pick(["X-A: b", "x-correlator: abc", "Accept: */*", "User-Agent: fuzz"]), oddByte()),
      );
      break;
    }
    case 6:
      method = dice.pick(ODD_METHODS);
      break;
    case 7:
      version = dice.pick(["HTTP/1.0", "HTTP/2.0", "HTTP/1.2", "HTTP/1", "http/1.1", "HTTP/1.1 x", ""]);
      if (version === "HTTP/1.0" || dice.chance(0.3)) headers.shift();
      break;
    default:
      // Framing: lengths that lie, both framings at once, broken chunks, bodies nobody asked for.
      switch (dice.int(5)) {
        case 0:
          headers.push(`Content-Length: ${dice.pick(["-1", "1x", "1, 2", " ", "99999999999999999999"])}`);
          break;
        case 1:
          headers.push("Content-Length: 5", "Transfer-Encoding: chunked");
          break;
        case 2:
          headers.push("Transfer-Encoding: chunked", "Content-Type: application/json");
          body = `${dice.pick(["zz", "-1", "ffffffffffffffffff", "5;x=" + "e".repeat(20_000)])}\r\n{}\r\n0\r\n\r\n`;
          return {
            bytes: raw(`${method} ${target} ${version}\r\n${headers.join("\r\n")}\r\n\r\n${body}`),
            head: false,
          };
        case 3:
          body = brokenJson(dice, body || "{}");
          break;
        default:
          headers.push(`Content-Type: ${dice.pick(CONTENT_TYPES)}`);
          body ||= "{}";
      }
  }
  if (body !== "" && !headers.some((h) => /^(content-length|transfer-encoding):/i.test(h))) {
    if (!headers.some((h) => /^content-type:/i.test(h))) headers.push("Content-Type: application/json");
    headers.push(`Content-Length: ${Buffer.byteLength(body, "latin1")}`);
  }
  return {
    bytes: raw(`${method} ${target} ${version}\r\n${headers.join("\r\n")}\r\n\r\n${body}`),
    head: method === "HEAD",
  };
}

/** One request for undici: well-formed HTTP, with bad content. */
function fetchCase(
  dice: Dice,
  op: Operation,
): { method: string; path: string; headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = {};
  const auth = dice.int(12);
  if (auth === 0)
    headers.authorization = dice.pick([
      "Bearer",
      "Basic dXNlcjpwYXNz",
      "Bearer wrong-key",
      `bearer ${SANDBOX_KEY}`,
      `Bearer ${"k".repeat(5000)}`,
    ]);
  else if (auth === 1) headers["x-rapidapi-key"] = dice.pick([SANDBOX_KEY, "nope", ""]);
  else if (auth !== 2) headers.authorization = `Bearer ${SANDBOX_KEY}`;
  if (dice.chance(0.2)) headers["x-correlator"] = dice.pick(["ok-1", "x".repeat(300), "a b", "ü", "'; drop"]);
  if (dice.chance(0.1)) headers.accept = dice.pick(["text/html", "application/xml", "*/*;q=abc", "garbage"]);
  let path = fill(dice, op.path, dice.chance(0.3));
  if (dice.chance(0.2))
    path += dice.pick([
      "?status=BOGUS",
      "?limit=-1",
      "?limit=99999999999",
      "?a=1&a=2",
      "?x=%ff",
      "?",
      "#frag",
      "?limit=abc",
    ]);
  let method = op.method;
  if (dice.chance(0.1))
    method = dice.pick(["PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND", "TRACE", "HEAD"]);
  if (op.body === undefined && dice.chance(0.7)) {
    if (dice.chance(0.3)) headers["content-type"] = "application/json";
    return { method, path, headers };
  }
  const valid = JSON.stringify(op.body ?? {});
  const roll = dice.int(4);
  const body =
    roll === 0 ? brokenJson(dice, valid) : roll === 3 ? valid : JSON.stringify(mutate(dice, op.body ?? {}));
  headers["content-type"] = dice.chance(0.8) ? "application/json" : dice.pick(CONTENT_TYPES);
  return { method, path, headers, body };
}

/** The authorization server's endpoints, which answer RFC 6749's error fields beside CAMARA's. */
const isOAuth = (path: string) => path.startsWith("/oauth2/");
/** Operations whose success is an endless text/event-stream, not an answer that ends. */
const STREAMS = new Set(["/notifications/v1/session-events"]);

/** Why an answer breaks the contract, or null when it keeps it. */
function breach(
  status: number,
  body: string,
  head: boolean,
  location: unknown,
  oauth: boolean,
): string | null {
  if (status >= 500) return `a ${status}`;
  if (status >= 200 && status < 300) return null;
  // The API reference's own redirect (/docs/static/index.html → /docs).
  if (status === 302 && typeof location === "string") return null;
  if (status < 400) return `a ${status}, neither a success nor an error`;
  if (head) return null;
  try {
    const info = JSON.parse(body) as Record<string, unknown>;
    const keys = Object.keys(info).sort().join(",");
    // The authorization server's endpoints answer RFC 6749's fields beside CAMARA's; what is refused before
    // any route runs (the parser, the router, a 405) is CAMARA's alone there too.
    const oauthKeys = oauth && keys === "code,error,error_description,message,status";
    if (keys !== "code,message,status" && !oauthKeys) return `error keys ${keys}`;
    if (info.status !== status) return `body status ${String(info.status)} under HTTP ${status}`;
    if (typeof info.code !== "string" || !/^[A-Z_.]+$/.test(info.code)) return `code ${String(info.code)}`;
    if (typeof info.message !== "string" || info.message === "") return "no message";
    return null;
  } catch {
    return "a body that is not JSON";
  }
}

const show = (text: string) =>
  JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…(${text.length})` : text);

describe(`malformed requests (seed ${SEED}; replay with OPENQOD_FUZZ_SEED=${SEED})`, () => {
  let h: Harness;
  let port: number;
  let operations: Operation[];
  before(async () => {
    h = await createHarness();
    await h.openqod.app.listen({ host: "127.0.0.1", port: 0 });
    port = (h.openqod.app.server.address() as AddressInfo).port;
    const spec = (await h.request("GET", "/openapi.json", undefined, { key: null })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    operations = [...HIDDEN];
    for (const [path, ops] of Object.entries(spec.paths)) {
      // A stream answers 200 and stays open by design; session-events.test.ts tests its refusals.
      if (STREAMS.has(path)) continue;
      for (const method of Object.keys(ops)) {
        const body = BODIES[path];
        operations.push({
          method: method.toUpperCase(),
          path,
          ...(method === "post" && body !== undefined ? { body } : {}),
        });
      }
    }
  });
  after(() => h.close());

  test(`${FUZZ_REQUESTS} requests across every operation: only CAMARA errors, no 5xx, no reset, then it still serves`, async () => {
    const params = new Set(operations.flatMap((op) => [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));
    assert.deepEqual(
      [...params].filter((p) => !PARAMS.includes(p ?? "")),
      [],
      "every path parameter has values",
    );
    assert.ok(operations.length >= 24, `${operations.length} operations`);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const exercised = new Map<string, Set<"raw" | "undici">>();
    const pickOperation = (dice: Dice, kind: "raw" | "undici") => {
      const op = dice.pick(operations);
      const key = `${op.method} ${op.path}`;
      exercised.set(key, (exercised.get(key) ?? new Set()).add(kind));
      return op;
    };
    let sent = 0;
    const deadline = Date.now() + TIME_LIMIT_MS;
    const more = () => sent < FUZZ_REQUESTS && Date.now() < deadline && failures.length < 20;
    const record = (
      what: string,
      status: number,
      body: string,
      head: boolean,
      location: unknown,
      oauth: boolean,
    ) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const why = breach(status, body, head, location, oauth);
      if (why !== null) failures.push(`${why}: ${what} → ${status} ${show(body)}`);
    };

    const rawWorker = async (worker: number) => {
      const dice = new Dice(SEED + worker);
      const client = new RawClient(port);
      try {
        while (more()) {
          sent++;
          const op = pickOperation(dice, "raw");
          const { bytes, head } = rawCase(dice, op);
          const what = `raw ${show(bytes.toString("latin1"))}`;
          try {
            const answer = await client.send(bytes, { head });
            record(what, answer.status, answer.body, head, answer.headers.location, isOAuth(op.path));
          } catch (error) {
            if (!(error instanceof NoAnswer)) throw error;
            failures.push(`${error.message}: ${what}`);
            client.close();
          }
        }
      } finally {
        client.close();
      }
    };
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1 });
    const fetchWorker = async (worker: number) => {
      const dice = new Dice(SEED + 1000 + worker);
      while (more()) {
        sent++;
        const op = pickOperation(dice, "undici");
        const request = fetchCase(dice, op);
        const what = `undici ${request.method} ${request.path} ${JSON.stringify(request.headers)} ${show(request.body ?? "")}`;
        try {
          const res = await pool.request({ ...request, headersTimeout: 10_000, bodyTimeout: 10_000 });
          record(
            what,
            res.statusCode,
            await res.body.text(),
            request.method === "HEAD",
            res.headers.location,
            isOAuth(op.path),
          );
        } catch (error) {
          failures.push(`no answer (${(error as Error).message}): ${what}`);
        }
      }
    };
    try {
      await Promise.all([
        ...Array.from({ length: CONCURRENCY }, (_, i) => rawWorker(i)),
        ...Array.from({ length: CONCURRENCY }, (_, i) => fetchWorker(i)),
      ]);
    } finally {
      await pool.close();
    }
    const summary = [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(" ");
    assert.deepEqual(failures, [], `seed ${SEED}: ${failures.length} failures (statuses: ${summary})`);
    assert.ok(sent >= FUZZ_REQUESTS, `only ${sent} of ${FUZZ_REQUESTS} requests in ${TIME_LIMIT_MS} ms`);
    const missed = operations
      .map((op) => `${op.method} ${op.path}`)
      .filter((key) => exercised.get(key)?.size !== 2);
    assert.deepEqual(missed, [], "every operation got raw and undici requests");
    assert.ok(
      (statuses.get(400) ?? 0) > 0 && (statuses.get(414) ?? 0) > 0 && (statuses.get(431) ?? 0) > 0,
      summary,
    );

    // Still serving: a session can be created and read back.
    const created = await fetch(`http://127.0.0.1:${port}/quality-on-demand/v1/sessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${SANDBOX_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(sessionBody({ device: { phoneNumber: "+36721609999999" } })),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { sessionId } = (await created.json()) as { sessionId: string };
    const read = await fetch(`http://127.0.0.1:${port}/quality-on-demand/v1/sessions/${sessionId}`, {
      headers: { authorization: `Bearer ${SANDBOX_KEY}` },
    });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { sessionId: string }).sessionId, sessionId);
  });
});
