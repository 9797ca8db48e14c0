import type { FastifyPluginAsync } from "fastify";

export interface FrontDoorOptions {
  /** How clients reach this server, without a trailing slash. */
  publicUrl: string;
  sandbox: boolean;
  version: string;
}

/** The APIs this server serves, for the front door's list: base path and what it is. */
function apis(sandbox: boolean): Array<{ key: string; path: string; what: string }> {
  return [
    {
      key: "qualityOnDemand",
      path: "/quality-on-demand/v1",
      what: "CAMARA Quality-On-Demand 1.1.0 sessions",
    },
    { key: "qosProfiles", path: "/qos-profiles/v1", what: "CAMARA QoS Profiles 1.1.0" },
    {
      key: "networkAsCode",
      path: "/qod/v0",
      what: "the same sessions in the Network-as-Code (v0.10) dialect",
    },
    ...(sandbox
      ? [
          {
            key: "sandbox",
            path: "/sandbox/v1",
            what: "simulator controls: make the network grant, degrade, end or lose a session",
          },
        ]
      : []),
  ];
}

/** What `GET /` answers an API client. */
export interface FrontDoorInfo {
  name: "OpenQoD";
  version: string;
  sandbox: boolean;
  links: Record<string, string>;
}

export function frontDoorInfo({ publicUrl, sandbox, version }: FrontDoorOptions): FrontDoorInfo {
  const links: Record<string, string> = {
    self: `${publicUrl}/`,
    docs: `${publicUrl}/docs`,
    openapi: `${publicUrl}/openapi.json`,
    health: `${publicUrl}/health`,
  };
  for (const api of apis(sandbox)) links[api.key] = `${publicUrl}${api.path}`;
  return { name: "OpenQoD", version, sandbox, links };
}

/**
 * Whether the `Accept` header ranks text/html above JSON: a browser's does (`text/html,…,*\/*;q=0.8`),
 * curl's `*\/*` and a missing header do not. Each type takes the q of its most specific matching range.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = accept.split(",").map((part) => {
    const [range = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    return { range: range.trim(), q: Number.isFinite(weight) ? weight : 0 };
  });
  const quality = (type: string) => {
    const [major] = type.split("/");
    const match =
      ranges.find((r) => r.range === type) ??
      ranges.find((r) => r.range === `${major}/*`) ??
      ranges.find((r) => r.range === "*/*");
    return match?.q ?? 0;
  };
  return quality("text/html") > quality("application/json");
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page a browser gets: self-contained (inline style, no script, no external asset). */
export function frontDoorPage(options: FrontDoorOptions): string {
  const base = escapeHtml(options.publicUrl);
  const body = JSON.stringify({
    device: { phoneNumber: "+36721601234567" },
    applicationServer: { ipv4Address: "233.252.0.2" },
    qosProfile: "QOS_L",
    duration: 3600,
  });
  const curl = [
    `curl -s -X POST ${options.publicUrl}/quality-on-demand/v1/sessions \\`,
    `  -H 'Authorization: Bearer YOUR_API_KEY' -H 'Content-Type: application/json' \\`,
    `  -d '${body}'`,
  ].join("\n");
  const rows = apis(options.sandbox)
    .map((api) => `<tr><td><code>${base}${api.path}</code></td><td>${escapeHtml(api.what)}</td></tr>`)
    .join("\n        ");
  const mode = options.sandbox
    ? "This is a <strong>sandbox</strong>: a simulated network grants every session at once, and webhooks on <code>http://</code> loopback addresses are accepted so a local receiver works."
    : "This server is <strong>not a sandbox</strong>: webhooks must be public <code>https://</code> URLs.";
  const key = options.sandbox
    ? "the sandbox key the server printed when it started, or one from <code>npm start -- clients create NAME</code>"
    : "one from <code>npm start -- clients create NAME</code>";
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>OpenQoD${options.sandbox ? " sandbox" : ""}</title>
  <link rel="icon" href="data:,">
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
    h1 { margin-bottom: 0; }
    .tag { display: inline-block; font-size: 0.8rem; padding: 0 0.5rem; border-radius: 0.75rem; background: #e4ecfb; }
    code, pre { font: 0.9rem/1.4 ui-monospace, monospace; background: #f3f4f7; border-radius: 4px; }
    code { padding: 0 0.2rem; }
    pre { padding: 0.75rem; overflow-x: auto; }
    table { border-collapse: collapse; }
    td { padding: 0.2rem 1rem 0.2rem 0; vertical-align: top; }
    a { color: #1750c4; }
  </style>
</head>
<body>
  <h1>OpenQoD</h1>
  <p><span class="tag">version ${escapeHtml(options.version)}</span> <span class="tag">${options.sandbox ? "sandbox" : "not a sandbox"}</span></p>
  <p>Quality on Demand: ask the mobile network to boost one app flow for a while (stable latency or more
  throughput) and be told when the boost starts and ends. This server speaks CAMARA Quality-On-Demand 1.1.0
  and QoS Profiles 1.1.0.</p>
  <p>Base URL: <code>${base}</code></p>
  <p>${mode}</p>
  <h2>Links</h2>
  <ul>
    <li><a href="/docs">API reference</a>: every operation, with examples, to try from the browser</li>
    <li><a href="/openapi.json">OpenAPI document</a> (<code>/openapi.json</code>)</li>
    <li><a href="/health">Health</a> (<code>/health</code>)</li>
  </ul>
  <h2>APIs</h2>
  <table>
        ${rows}
  </table>
  <h2>Try it</h2>
  <p>Every API call needs <code>Authorization: Bearer &lt;API key&gt;</code>: ${key}.</p>
  <pre>${escapeHtml(curl)}</pre>
</body>
</html>
`;
}

/**
 * `GET /` (and HEAD): a small page for a browser, `{name, version, sandbox, links}` for an API client.
 * No authentication; hidden from the OpenAPI document.
 */
export const frontDoor: FastifyPluginAsync<FrontDoorOptions> = async (app, options) => {
  const info = frontDoorInfo(options);
  const page = frontDoorPage(options);
  app.get("/", { schema: { hide: true } }, async (request, reply) => {
    reply.header("vary", "Accept");
    if (prefersHtml(request.headers.accept)) return reply.type("text/html; charset=utf-8").send(page);
    return reply.send(info);
  });
};
