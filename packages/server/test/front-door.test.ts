import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { createHarness, type Harness, SANDBOX_KEY } from "./helpers/harness.ts";

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
