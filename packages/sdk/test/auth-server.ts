import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";

/** One request as the authorization server or the API received it. */
export interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The form parameters of a form POST, in the order sent. */
  form: Record<string, string>;
  /** The JSON body of an API call. */
  json: unknown;
}

/** What one endpoint answers: a status and a JSON body. */
export type Answer = { status: number; body: unknown };

/**
 * A real authorization server and CAMARA API on 127.0.0.1 that records what the SDK sends: discovery
 * at /.well-known/openid-configuration (issuer = its own URL), the token endpoint at /oauth2/v1/token,
 * CIBA at /oauth2/v1/bc-authorize, and the QoD API, which accepts only tokens it issued. Each OAuth
 * endpoint answers from its queue in order (then 500), so a test scripts a whole exchange.
 */
export async function startAuthServer(t: TestContext) {
  const seen: Seen[] = [];
  const queues: { token: Answer[]; ciba: Answer[]; discovery: Answer[] } = {
    token: [],
    ciba: [],
    discovery: [],
  };
  const issued = new Set<string>();
  let tokens = 0;
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on("end", () => {
      const path = req.url ?? "";
      const form = req.headers["content-type"]?.startsWith("application/x-www-form-urlencoded")
        ? Object.fromEntries(new URLSearchParams(text))
        : {};
      let json: unknown;
      try {
        json = text === "" ? undefined : JSON.parse(text);
      } catch {}
      seen.push({
        method: req.method ?? "",
        path,
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        form,
        json,
      });
      const send = ({ status, body }: Answer) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      const queue =
        path === "/oauth2/v1/token"
          ? queues.token
          : path === "/oauth2/v1/bc-authorize"
            ? queues.ciba
            : path === "/.well-known/openid-configuration"
              ? queues.discovery
              : null;
      if (queue !== null) return send(queue.shift() ?? { status: 500, body: { error: "unscripted" } });
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (bearer === undefined || !issued.has(bearer))
        return send({
          status: 401,
          body: { status: 401, code: "UNAUTHENTICATED", message: "no valid token" },
        });
      if (path === "/quality-on-demand/v1/retrieve-sessions") return send({ status: 200, body: [] });
      if (path === "/qos-profiles/v1/retrieve-qos-profiles") return send({ status: 200, body: [] });
      return send({
        status: req.method === "POST" ? 201 : 200,
        body: {
          sessionId: "s-1",
          qosProfile: "QOS_L",
          qosStatus: "REQUESTED",
          duration: 3600,
          applicationServer: { ipv4Address: "233.252.0.2" },
        },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    tokenUrl: `${url}/oauth2/v1/token`,
    cibaUrl: `${url}/oauth2/v1/bc-authorize`,
    seen,
    /** The requests to one path. */
    to: (path: string) => seen.filter((s) => s.path === path),
    /** Queues answers of the token endpoint. */
    token: (...answers: Answer[]) => queues.token.push(...answers),
    ciba: (...answers: Answer[]) => queues.ciba.push(...answers),
    discovery: (...answers: Answer[]) => queues.discovery.push(...answers),
    /** A discovery document naming this server's endpoints (`issuer` overridable). */
    metadata: (issuer = url): Answer => ({
      status: 200,
      body: {
        issuer,
        token_endpoint: `${url}/oauth2/v1/token`,
        backchannel_authentication_endpoint: `${url}/oauth2/v1/bc-authorize`,
        grant_types_supported: ["client_credentials", "urn:openid:params:grant-type:ciba"],
      },
    }),
    /** A token answer with a fresh access token the API accepts. */
    grant(expiresIn = 3600): Answer {
      const value = `at-${++tokens}`;
      issued.add(value);
      return { status: 200, body: { access_token: value, token_type: "Bearer", expires_in: expiresIn } };
    },
    /** An RFC 6749 error answer. */
    error: (status: number, error: string, description = error): Answer => ({
      status,
      body: { error, error_description: description },
    }),
  };
}
