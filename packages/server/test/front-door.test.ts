import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadConfig } from "../src/config.ts";
import { createOpenQod } from "../src/openqod.ts";
import { databaseEnv, dropDatabase } from "./helpers/engine.ts";
import { createHarness, type Harness, SANDBOX_KEY, sessionBody } from "./helpers/harness.ts";
import { type RawAnswer, RawClient, rawRequest } from "./helpers/raw-http.ts";

const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
const BASE = "http://127.0.0.1:9091";
const { version } = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** The URLs an HTML page makes the browser load or link to: every src= and href=. */
function references(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? "");
}

describe("the front door: GET /", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  test("an API client gets JSON: name, version, sandbox and links, without a key", async () => {
    for (const accept of [undefined, "*/*", "application/json", "application/json, text/html;q=0.5"]) {
      const res = await h.request("GET", "/", undefined, {
        key: null,
        ...(accept === undefined ? {} : { headers: { accept } }),
      });
      assert.equal(res.statusCode, 200, `Accept: ${accept}`);
      assert.match(String(res.headers["content-type"]), /^application\/json/);
      assert.equal(res.headers.vary, "Accept");
      assert.deepEqual(res.json(), {
        name: "OpenQoD",
        version,
        sandbox: true,
        links: {
          self: `${BASE}/`,
          docs: `${BASE}/docs`,
          openapi: `${BASE}/openapi.json`,
          health: `${BASE}/health`,
          qualityOnDemand: `${BASE}/quality-on-demand/v1`,
          qosProfiles: `${BASE}/qos-profiles/v1`,
          networkAsCode: `${BASE}/qod/v0`,
          sandbox: `${BASE}/sandbox/v1`,
        },
      });
    }
  });

  test("every link of the JSON answers on this server", async () => {
    const { links } = (await h.request("GET", "/", undefined, { key: null })).json() as {
      links: Record<string, string>;
    };
    for (const [name, url] of Object.entries(links)) {
      const path = url.slice(BASE.length);
      if (["qualityOnDemand", "qosProfiles", "networkAsCode", "sandbox"].includes(name)) continue; // bases
      const res = await h.request("GET", path, undefined, { key: null });
      assert.equal(res.statusCode, 200, `${name}: GET ${path}`);
    }
  });

  test("a browser gets a self-contained page: what this is, base URL, sandbox, links, APIs and a curl", async () => {
    const res = await h.request("GET", "/", undefined, { key: null, headers: { accept: BROWSER } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
    const html = res.body;
    assert.match(html, /<title>OpenQoD sandbox<\/title>/);
    assert.match(html, /Quality on Demand/);
    assert.match(html, /CAMARA Quality-On-Demand 1\.1\.0/);
    assert.ok(html.includes(`Base URL: <code>${BASE}</code>`));
    assert.match(html, /This is a <strong>sandbox<\/strong>/);
    assert.ok(html.includes(`version ${version}`));
    for (const path of ["/quality-on-demand/v1", "/qos-profiles/v1", "/qod/v0", "/sandbox/v1"]) {
      assert.ok(html.includes(`<code>${BASE}${path}</code>`), path);
    }
    assert.deepEqual(references(html), ["data:,", "/docs", "/openapi.json", "/health"]);
    assert.ok(!/<script|<img|<iframe|@import|url\(/i.test(html), "nothing loaded from anywhere");
    assert.ok(
      html.includes(`curl -s -X POST ${BASE}/quality-on-demand/v1/sessions \\\n`) &&
        html.includes("-H &#39;Authorization: Bearer YOUR_API_KEY&#39;") &&
        html.includes("&#34;qosProfile&#34;:&#34;QOS_L&#34;"),
      "the quickstart curl, with a placeholder for the key",
    );
    assert.ok(!html.includes(SANDBOX_KEY), "the key itself is never on the page");
  });

  test("HEAD / answers like GET, without a body", async () => {
    const json = await h.request("HEAD", "/", undefined, { key: null });
    assert.equal(json.statusCode, 200);
    assert.match(String(json.headers["content-type"]), /^application\/json/);
    assert.equal(json.body, "");
    const html = await h.request("HEAD", "/", undefined, { key: null, headers: { accept: BROWSER } });
    assert.equal(html.statusCode, 200);
    assert.equal(html.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(html.body, "");
  });

  test("outside the sandbox the page and the JSON say so, and list no sandbox API", async () => {
    const real = await createHarness({
      OPENQOD_SANDBOX: "false",
      OPENQOD_PUBLIC_URL: "https://qod.example.com",
    });
    try {
      const json = (await real.request("GET", "/", undefined, { key: null })).json();
      assert.equal(json.sandbox, false);
      assert.equal(json.links.self, "https://qod.example.com/");
      assert.equal(json.links.sandbox, undefined);
      const html = (await real.request("GET", "/", undefined, { key: null, headers: { accept: BROWSER } }))
        .body;
      assert.match(html, /<title>OpenQoD<\/title>/);
      assert.match(html, /This server is <strong>not a sandbox<\/strong>/);
      assert.ok(html.includes("Base URL: <code>https://qod.example.com</code>"));
      assert.ok(!html.includes("/sandbox/v1"));
    } finally {
      await real.close();
    }
  });
});

describe("the API reference: /docs", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  test("serves Swagger UI from this server: every asset it references answers 200, none is absolute", async () => {
    const res = await h.request("GET", "/docs", undefined, { key: null, headers: { accept: BROWSER } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
    assert.match(res.body, /<title>OpenQoD API reference<\/title>/);
    assert.ok(!res.body.includes("https://"), "no https:// asset URL");
    const assets = references(res.body);
    assert.ok(assets.length >= 5, assets.join(" "));
    for (const asset of assets) {
      assert.match(asset, /^\/docs\/static\//);
      const file = await h.request("GET", asset, undefined, { key: null });
      assert.equal(file.statusCode, 200, asset);
      if (/\.(css|html)$/.test(asset)) assert.ok(!file.body.includes("https://"), `${asset} has no https://`);
      if (asset.endsWith(".css")) {
        for (const [, url] of file.body.matchAll(/url\(\s*["']?([^"')]*)/g))
          assert.match(url ?? "", /^data:/, `${asset} loads only inline data`);
      }
    }
  });

  test("the UI loads the spec from /docs/json: the served OpenAPI document, tried on the same origin", async () => {
    const init = await h.request("GET", "/docs/static/swagger-initializer.js", undefined, { key: null });
    assert.equal(init.statusCode, 200);
    assert.ok(init.body.includes("resolveUrl('./json')"));
    assert.ok(init.body.includes("validatorUrl: null"), "no badge from validator.swagger.io");
    for (const line of init.body.split("\n").filter((l) => l.includes("https://")))
      assert.match(line.trim(), /^\/\//, "https:// only in comments");
    const viaDocs = await h.request("GET", "/docs/json", undefined, { key: null });
    assert.equal(viaDocs.statusCode, 200);
    const spec = (await h.request("GET", "/openapi.json", undefined, { key: null })).json();
    assert.deepEqual(spec.servers, [{ url: "http://127.0.0.1:9091" }]);
    // The same document, except that "Try it out" goes to the origin the browser is on.
    assert.deepEqual(viaDocs.json(), {
      ...spec,
      servers: [{ url: "/", description: "This server, as your browser reaches it" }],
    });
    assert.equal(spec.info.title, "OpenQoD");
  });

  test("the content security policy lets the page load nothing from another origin", async () => {
    const res = await h.request("GET", "/docs", undefined, { key: null });
    const csp = String(res.headers["content-security-policy"]);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /img-src 'self' data:;/);
    assert.match(csp, /font-src 'self' data:;/);
    assert.ok(!/https:|http:|\*|upgrade-insecure-requests|validator/.test(csp), csp);
  });

  test("neither / nor /docs is in the OpenAPI document", async () => {
    const spec = (await h.request("GET", "/openapi.json", undefined, { key: null })).json();
    const paths = Object.keys(spec.paths as object);
    assert.ok(!paths.includes("/"));
    assert.deepEqual(
      paths.filter(
        (p) => p.startsWith("/docs") || ["/health", "/ready", "/metrics", "/openapi.json"].includes(p),
      ),
      [],
    );
  });
});

describe("a known path with another method: 405", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  const cases: Array<[method: string, path: string, allow: string]> = [
    ["PUT", "/quality-on-demand/v1/sessions/abc", "GET, HEAD, DELETE"],
    ["PATCH", "/quality-on-demand/v1/sessions/3fa85f64-5717-4562-b3fc-2c963f66afa6", "GET, HEAD, DELETE"],
    ["GET", "/quality-on-demand/v1/sessions", "POST"],
    ["DELETE", "/quality-on-demand/v1/sessions", "POST"],
    ["GET", "/quality-on-demand/v1/sessions/abc/extend", "POST"],
    ["GET", "/qos-profiles/v1/retrieve-qos-profiles", "POST"],
    ["POST", "/qos-profiles/v1/qos-profiles/QOS_L", "GET, HEAD"],
    ["PUT", "/qod/v0/sessions/abc", "GET, HEAD, DELETE"],
    ["POST", "/health", "GET, HEAD"],
    ["DELETE", "/", "GET, HEAD"],
    ["POST", "/docs", "GET, HEAD"],
  ];
  for (const [method, path, allow] of cases) {
    test(`${method} ${path} → 405, Allow: ${allow}`, async () => {
      const res = await h.request(method, path, method === "GET" || method === "DELETE" ? undefined : {});
      assert.equal(res.statusCode, 405);
      assert.equal(res.headers.allow, allow);
      assert.deepEqual(res.json(), {
        status: 405,
        code: "METHOD_NOT_ALLOWED",
        message: `${method} is not allowed on ${path}; use ${allow}.`,
      });
    });
  }

  test("a query string does not hide the path; the message names the path only", async () => {
    const res = await h.request("GET", "/quality-on-demand/v1/sessions?x=1");
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, "POST");
    assert.equal(res.json().message, "GET is not allowed on /quality-on-demand/v1/sessions; use POST.");
  });

  test("no key is needed to learn the methods: 405, not 401", async () => {
    const res = await h.request("PUT", "/quality-on-demand/v1/sessions/abc", {}, { key: null });
    assert.equal(res.statusCode, 405);
  });

  test("unknown paths stay 404 NOT_FOUND, without Allow", async () => {
    for (const [method, path] of [
      ["GET", "/quality-on-demand/v1/nothing-here"],
      ["PUT", "/nothing"],
      ["GET", "/quality-on-demand/v1/sessions/abc/extend/more"],
      ["GET", "/docs/static/no-such-file.js"],
    ] as const) {
      const res = await h.request(method, path);
      assert.equal(res.statusCode, 404, `${method} ${path}`);
      assert.equal(res.headers.allow, undefined);
      assert.deepEqual(res.json(), {
        status: 404,
        code: "NOT_FOUND",
        message: `No route ${method} ${path}.`,
      });
    }
  });
});

describe("requests refused before any route runs: CAMARA errors, over a real socket", () => {
  let h: Harness;
  let port: number;
  const auth = `Authorization: Bearer ${SANDBOX_KEY}\r\n`;
  const get = (target: string, headers = "") => `GET ${target} HTTP/1.1\r\nHost: x\r\n${auth}${headers}\r\n`;
  before(async () => {
    h = await createHarness();
    await h.openqod.app.listen({ host: "127.0.0.1", port: 0 });
    port = (h.openqod.app.server.address() as AddressInfo).port;
  });
  after(() => h.close());

  /** Asserts the answer is exactly `{status, code}` as CAMARA shapes it, and returns its message. */
  function assertCamara(answer: RawAnswer, status: number, code: string): string {
    assert.equal(answer.status, status, answer.body);
    assert.match(answer.headers["content-type"] ?? "", /^application\/json/);
    const body = JSON.parse(answer.body) as { status: unknown; code: unknown; message: unknown };
    assert.deepEqual(Object.keys(body).sort(), ["code", "message", "status"]);
    assert.equal(body.status, status);
    assert.equal(body.code, code);
    assert.equal(typeof body.message, "string");
    return body.message as string;
  }

  test("a broken percent-escape in the path is 400 INVALID_ARGUMENT, with the correlator", async () => {
    for (const path of [
      "/quality-on-demand/v1/sessions/%zz",
      "/qod/v0/sessions/%u0000",
      "/qos-profiles/v1/qos-profiles/%E0%A4%A",
    ]) {
      const answer = await rawRequest(port, get(path, "x-correlator: fuzz-1\r\n"));
      assert.match(assertCamara(answer, 400, "INVALID_ARGUMENT"), /URL path is not valid/, path);
      assert.equal(answer.headers["x-correlator"], "fuzz-1");
    }
  });

  test("a path parameter over 256 characters is 414 URI_TOO_LONG; 256 reaches the route", async () => {
    const long = await rawRequest(port, get(`/qos-profiles/v1/qos-profiles/${"Q".repeat(257)}`));
    assert.equal(assertCamara(long, 414, "URI_TOO_LONG"), "A path parameter is longer than 256 characters.");
    const longest = await rawRequest(port, get(`/qos-profiles/v1/qos-profiles/${"Q".repeat(256)}`));
    assertCamara(longest, 404, "NOT_FOUND");
  });

  test("a request line over 16 KiB is 414 URI_TOO_LONG, then the server closes the connection", async () => {
    const answer = await rawRequest(port, get(`/health?q=${"a".repeat(20_000)}`));
    assertCamara(answer, 414, "URI_TOO_LONG");
    assert.equal(answer.headers.connection, "close");
    assert.ok(answer.closedByServer);
  });

  test("headers over 16 KiB are 431 REQUEST_HEADER_FIELDS_TOO_LARGE, with the correlator sent before them", async () => {
    const answer = await rawRequest(
      port,
      get("/health", `x-correlator: big-1\r\nX-Big: ${"b".repeat(20_000)}\r\n`),
    );
    assertCamara(answer, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE");
    assert.equal(answer.headers["x-correlator"], "big-1");
    assert.ok(answer.closedByServer);
  });

  test("control characters or raw bytes in the request line or headers are 400 INVALID_ARGUMENT", async () => {
    const cases: Array<[string, Buffer]> = [
      [
        "a control character in a header value",
        Buffer.from(get("/health", "x-correlator: c-1\r\nX-A: a\x01b\r\n")),
      ],
      ["a raw byte in the path", Buffer.from(get("/he\xffalth"), "latin1")],
      ["a NUL in the path", Buffer.from(get("/health\x00"))],
      ["a space in a header name", Buffer.from(get("/health", "X A: b\r\n"))],
      ["a method that is no HTTP method", Buffer.from("FOO /health HTTP/1.1\r\nHost: x\r\n\r\n")],
      ["a version that is not HTTP/1.x", Buffer.from("GET /health HTTP/9.9\r\nHost: x\r\n\r\n")],
      [
        "Content-Length that is no number",
        Buffer.from("POST /quality-on-demand/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n"),
      ],
    ];
    for (const [what, bytes] of cases) {
      const answer = await rawRequest(port, bytes);
      assertCamara(answer, 400, "INVALID_ARGUMENT");
      assert.equal(answer.headers.connection, "close", what);
      assert.ok(answer.closedByServer, what);
    }
    const withCorrelator = await rawRequest(port, cases[0]?.[1] ?? Buffer.alloc(0));
    assert.equal(withCorrelator.headers["x-correlator"], "c-1");
  });

  test("a 404 names at most 200 characters of a long path", async () => {
    const answer = await rawRequest(port, get(`/${"x".repeat(8000)}`));
    assert.equal(assertCamara(answer, 404, "NOT_FOUND"), `No route GET /${"x".repeat(199)}….`);
  });

  test("a chunked body that breaks mid-way is answered 400 INVALID_ARGUMENT at once", async () => {
    const answer = await rawRequest(
      port,
      `POST /quality-on-demand/v1/sessions HTTP/1.1\r\nHost: x\r\n${auth}x-correlator: chunk-1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\nzz\r\n`,
    );
    assertCamara(answer, 400, "INVALID_ARGUMENT");
    assert.equal(answer.headers["x-correlator"], "chunk-1");
    assert.ok(answer.closedByServer);
  });

  test("a broken request pipelined after a good one is answered after the good one's answer", async () => {
    const client = new RawClient(port);
    try {
      const first = await client.send(`${get("/health")}GET /he\x01alth HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.equal(first.status, 200);
      assert.equal(first.body, '{"status":"UP"}');
      const second = await client.send("");
      assertCamara(second, 400, "INVALID_ARGUMENT");
      assert.ok(second.closedByServer);
    } finally {
      client.close();
    }
  });

  test("headers that do not arrive in time are 408 REQUEST_TIMEOUT", async () => {
    // Node reports a request timeout as a clientError on the connection; its check runs every 30 s,
    // so the test reports one itself, on a real connection that sent half a request.
    const server = h.openqod.app.server;
    const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
    const client = new RawClient(port);
    try {
      const answered = client.send("GET /health HTTP/1.1\r\nHost: x\r\nx-correlator: slow-1\r\n");
      const socket = await accepted;
      const timeout = Object.assign(new Error("Request timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" });
      server.emit("clientError", timeout, socket);
      const answer = await answered;
      assertCamara(answer, 408, "REQUEST_TIMEOUT");
      assert.ok(answer.closedByServer);
    } finally {
      client.close();
    }
  });

  test("CONNECT is answered 400 INVALID_ARGUMENT, not reset", async () => {
    const answer = await rawRequest(
      port,
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    );
    assert.equal(
      assertCamara(answer, 400, "INVALID_ARGUMENT"),
      "CONNECT is not served: this server is not a proxy.",
    );
    assert.ok(answer.closedByServer);
  });

  test("an HTTP/1.1 request without Host is 400 INVALID_ARGUMENT", async () => {
    const answer = await rawRequest(port, "GET /health HTTP/1.1\r\n\r\n");
    assert.equal(
      assertCamara(answer, 400, "INVALID_ARGUMENT"),
      "An HTTP/1.1 request must carry a Host header.",
    );
  });

  test("a body over 64 KiB is 413 CONTENT_TOO_LARGE, read by the client without a reset", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/quality-on-demand/v1/sessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${SANDBOX_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(sessionBody({ padding: "p".repeat(1024 * 1024) })),
    });
    assert.equal(res.status, 413);
    assert.deepEqual(await res.json(), {
      status: 413,
      code: "CONTENT_TOO_LARGE",
      message: "The request body is larger than 64 KiB.",
    });
  });

  test("the OpenAPI document gives every operation with a body its 413 CONTENT_TOO_LARGE", async () => {
    type Op = {
      requestBody?: unknown;
      responses: Record<
        string,
        { content?: Record<string, { examples?: Record<string, { value?: { code?: string } }> }> }
      >;
    };
    const spec = (await h.request("GET", "/openapi.json", undefined, { key: null })).json() as {
      paths: Record<string, Record<string, Op>>;
    };
    const withBody = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.requestBody !== undefined)
        .map(([method, op]) => ({ where: `${method} ${path}`, op })),
    );
    assert.ok(withBody.length >= 7, `${withBody.length} operations with a body`);
    for (const { where, op } of withBody) {
      const examples = op.responses["413"]?.content?.["application/json"]?.examples ?? {};
      assert.deepEqual(
        Object.values(examples).map((e) => e.value?.code),
        ["CONTENT_TOO_LARGE"],
        where,
      );
    }
  });

  test("a static file the plugin refuses is a CAMARA error, not a 500", async () => {
    const answer = await rawRequest(port, get("/docs/static/%2e%2e/%2e%2e/package.json"));
    assertCamara(answer, 403, "PERMISSION_DENIED");
  });

  test("a DELETE or GET with Content-Type: application/json and an empty body is served", async () => {
    const created = await h.request("POST", "/quality-on-demand/v1/sessions", sessionBody());
    assert.equal(created.statusCode, 201);
    const path = `/quality-on-demand/v1/sessions/${created.json().sessionId}`;
    const json = "Content-Type: application/json\r\nContent-Length: 0\r\n";
    const read = await rawRequest(port, get(path, json));
    assert.equal(read.status, 200);
    const deleted = await rawRequest(port, `DELETE ${path} HTTP/1.1\r\nHost: x\r\n${auth}${json}\r\n`);
    assert.equal(deleted.status, 204, deleted.body);
    const posted = await rawRequest(
      port,
      `POST /quality-on-demand/v1/sessions HTTP/1.1\r\nHost: x\r\n${auth}${json}\r\n`,
    );
    assert.equal(
      assertCamara(posted, 400, "INVALID_ARGUMENT"),
      "The request body is empty; a JSON object is expected.",
    );
  });
});

describe("a request that arrives while the server closes", () => {
  test("is 503 UNAVAILABLE in CAMARA's shape, with Connection: close", async () => {
    const h = await createHarness();
    try {
      await h.openqod.app.listen({ host: "127.0.0.1", port: 0 });
      const port = (h.openqod.app.server.address() as AddressInfo).port;
      const socket = connect(port, "127.0.0.1");
      let received = "";
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString("latin1");
      });
      const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      // Half a request keeps the connection busy, so closing waits for it instead of dropping it.
      socket.write("GET /health HTTP/1.1\r\nHost: x\r\n");
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closed = h.openqod.app.close();
      socket.write("x-correlator: bye-1\r\n\r\n");
      await ended;
      await closed;
      const [head = "", body = ""] = received.split("\r\n\r\n");
      assert.match(head, /^HTTP\/1\.1 503 /);
      assert.match(head, /\r\nconnection: close\r\n/i);
      assert.match(head, /\r\nx-correlator: bye-1\r\n/i);
      assert.deepEqual(JSON.parse(body), {
        status: 503,
        code: "UNAVAILABLE",
        message: "The server is shutting down; retry the request.",
      });
    } finally {
      await h.close();
    }
  });
});

describe("a request under way when the server starts closing", () => {
  test("is answered with Connection: close, so the close does not wait for its keep-alive", async () => {
    const h = await createHarness();
    try {
      await h.openqod.app.listen({ host: "127.0.0.1", port: 0 });
      const port = (h.openqod.app.server.address() as AddressInfo).port;
      const socket = connect(port, "127.0.0.1");
      let received = "";
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString("latin1");
      });
      const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      const body = JSON.stringify(sessionBody());
      // The headers are in (the request is under way, past onRequest), the body not yet.
      socket.write(
        "POST /quality-on-demand/v1/sessions HTTP/1.1\r\nHost: x\r\n" +
          `Authorization: Bearer ${SANDBOX_KEY}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closed = h.openqod.app.close();
      socket.write(body.slice(10));
      // Without Connection: close the socket would stay open for the keep-alive timeout (72 s).
      const bound = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 5_000).unref());
      assert.equal(await Promise.race([Promise.all([ended, closed]).then(() => "closed"), bound]), "closed");
      const [head = ""] = received.split("\r\n\r\n");
      assert.match(head, /^HTTP\/1\.1 201 /);
      assert.match(head, /\r\nconnection: close\r\n/i);
    } finally {
      await h.close();
    }
  });
});

describe("a request Node's parser refuses, in the log", () => {
  test("is one info line with status and code, and none of its bytes", async () => {
    const lines: string[] = [];
    const dir = await mkdtemp(join(tmpdir(), "openqod-refused-"));
    const config = loadConfig([], { OPENQOD_DATA_DIR: dir, ...(await databaseEnv(dir)) });
    const openqod = await createOpenQod({
      config,
      logger: { level: "info", stream: { write: (line: string) => void lines.push(line) } },
    });
    try {
      await openqod.app.listen({ host: "127.0.0.1", port: 0 });
      const port = (openqod.app.server.address() as AddressInfo).port;
      const answer = await rawRequest(
        port,
        "GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret-key-in-bytes\r\nX-A: a\x01b\r\n\r\n",
      );
      assert.equal(answer.status, 400);
      const refused = lines.filter((line) => line.includes("request refused"));
      assert.equal(refused.length, 1, lines.join(""));
      const record = JSON.parse(refused[0] ?? "{}") as Record<string, unknown>;
      assert.equal(record.level, 30);
      assert.equal(record.status, 400);
      assert.equal(record.code, "INVALID_ARGUMENT");
      assert.equal(record.parser, "HPE_INVALID_HEADER_TOKEN");
      assert.ok(!lines.join("").includes("secret-key-in-bytes"), "the bytes are never logged");
    } finally {
      await openqod.close();
      await rm(dir, { recursive: true, force: true });
      await dropDatabase(dir);
    }
  });
});
