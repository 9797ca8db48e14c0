import { type Static, Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { ApiError } from "../errors.ts";
import { AdminError, type ClientService } from "../service/clients.ts";
import type { ClientRecord } from "../store/types.ts";
import { type AfterAuth, type Authenticator, requireAuth } from "./auth.ts";
import { type ErrorExample, errors, NO_KEY, NOT_JSON, success, withExamples } from "./docs.ts";
import { NOT_OPERATOR } from "./notification-examples.ts";

export interface ClientsV1Options {
  clients: ClientService;
  authenticator: Authenticator;
  /** The per-client rate limit (http/rate-limits.ts). */
  afterAuth?: AfterAuth | undefined;
}

const tags = ["Administration"];

const ClientId = Type.String({ format: "uuid", description: "The OAuth2 client_id" });
const Name = Type.String({ minLength: 1, maxLength: 64, description: 'Letters, digits, "_", "." or "-"' });
const Scopes = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 });
const NullableScopes = Type.Union([Scopes, Type.Null()], {
  description: "What it may use; null: every scope but openqod:operator",
});

const ClientInfo = Type.Object({
  clientId: ClientId,
  name: Name,
  scopes: NullableScopes,
  createdAt: Type.String({ format: "date-time" }),
  revokedAt: Type.Optional(Type.String({ format: "date-time" })),
});
const ClientList = Type.Object({ clients: Type.Array(ClientInfo) });
const CreateClient = Type.Object(
  { name: Name, scopes: Type.Optional(Scopes) },
  { additionalProperties: false },
);
const CreatedClient = Type.Object({
  clientId: ClientId,
  name: Name,
  apiKey: Type.String(),
  clientSecret: Type.String(),
  scopes: NullableScopes,
});
const Rotate = Type.Object(
  {
    apiKey: Type.Optional(Type.Boolean({ description: "A new API key. @default true" })),
    clientSecret: Type.Optional(Type.Boolean({ description: "A new client secret. @default true" })),
  },
  { additionalProperties: false },
);
const Rotated = Type.Object({
  clientId: ClientId,
  name: Name,
  apiKey: Type.Optional(Type.String()),
  clientSecret: Type.Optional(Type.String()),
});
const NameParam = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

const EXAMPLE_ID = "6f1c2a7e-0b55-4c1e-9a3d-1d2f3e4a5b6c";
const EXAMPLE_KEY = "oqd_3q2-7wEXAMPLEk8F1v0nLr5mYtZc9uQxJd2sHbKa4oP";
const EXAMPLE_SECRET = "oqs_Vb8dEXAMPLEq1Nw3zXr7cT0yLm5kHj2gFs9aPe6uWo";

const NOT_FOUND: ErrorExample = { code: "NOT_FOUND", message: "no client acme-ci" };
const EXISTS: ErrorExample = {
  code: "CONFLICT",
  message: "client acme-ci already exists; rotate its key for a new one",
};
const SANDBOX_CLIENT = "sandbox";
const SANDBOX_KEPT_MESSAGE =
  "the sandbox client's key is the one this server was started with (OPENQOD_SANDBOX_KEY or DATA_DIR/sandbox-key); " +
  "change that and restart instead";
const SANDBOX_KEPT: ErrorExample = { code: "CONFLICT", message: SANDBOX_KEPT_MESSAGE };

/**
 * The sandbox client's key is what the server reads at start and the one-click sign-in hands out: a
 * rotation or revocation over HTTP would leave both with a dead key (and a shared database's next start
 * with a key file that no longer verifies).
 */
function keepSandboxClient(name: string): void {
  if (name === SANDBOX_CLIENT) throw new ApiError("CONFLICT", SANDBOX_KEPT_MESSAGE);
}

const BAD_NAME: ErrorExample = {
  code: "INVALID_ARGUMENT",
  message: '"acme ci" is not a client name: 1 to 64 letters, digits, "_", "." or "-"',
};

/** Rethrows what the service refused as the API answers it (a `.catch` of every service call). */
function refused(error: unknown): never {
  if (!(error instanceof AdminError)) throw error;
  const code =
    error.code === "CLIENT_EXISTS"
      ? "CONFLICT"
      : error.code === "CLIENT_NOT_FOUND"
        ? "NOT_FOUND"
        : "INVALID_ARGUMENT";
  throw new ApiError(code, error.message);
}

function clientInfo(client: ClientRecord): Static<typeof ClientInfo> {
  return {
    clientId: client.id,
    name: client.name,
    scopes: client.scopes,
    createdAt: new Date(client.createdAt).toISOString(),
    ...(client.revokedAt == null ? {} : { revokedAt: new Date(client.revokedAt).toISOString() }),
  };
}

/**
 * The API clients, for operators (openqod:operator), at /admin/v1/clients: what `openqod clients`
 * does beside a server, over HTTP for the dashboard. Key and secret are shown only in the answer that
 * makes them; the server keeps their hashes.
 */
export const clientsV1: FastifyPluginAsync<ClientsV1Options> = async (
  app,
  { clients, authenticator, afterAuth },
) => {
  app.addHook("onRequest", requireAuth(authenticator, afterAuth));

  app.get(
    "/clients",
    {
      schema: {
        operationId: "listClients",
        tags,
        summary: "Every API client (operators)",
        description:
          "Every API client, oldest first, revoked ones included (with `revokedAt`). Keys and secrets are never shown again. Needs the scope openqod:operator.",
        response: {
          200: success(ClientList, "The API clients", {
            one: {
              summary: "One client",
              value: {
                clients: [
                  {
                    clientId: EXAMPLE_ID,
                    name: "acme-ci",
                    scopes: null,
                    createdAt: "2026-12-01T10:00:00.000Z",
                  },
                ],
              },
            },
          }),
          ...errors(NO_KEY, NOT_OPERATOR),
        },
      },
    },
    async () => ({ clients: (await clients.list()).map(clientInfo) }),
  );

  app.post<{ Body: Static<typeof CreateClient> }>(
    "/clients",
    {
      schema: {
        operationId: "createClient",
        tags,
        summary: "Create an API client (operators)",
        description:
          "Makes an API client and answers its API key and OAuth2 client secret: this is the only time they are shown. " +
          "Without `scopes` it may use every scope but openqod:operator. Needs the scope openqod:operator.",
        body: withExamples(CreateClient, {
          minimal: { summary: "Every scope but operator", value: { name: "acme-ci" } },
          scoped: {
            summary: "Only reading sessions",
            value: { name: "acme-read", scopes: ["quality-on-demand:sessions:read"] },
          },
        }),
        response: {
          201: success(CreatedClient, "The client, with its key and secret (shown once)", {
            created: {
              summary: "A new client",
              value: {
                clientId: EXAMPLE_ID,
                name: "acme-ci",
                apiKey: EXAMPLE_KEY,
                clientSecret: EXAMPLE_SECRET,
                scopes: null,
              },
            },
          }),
          ...errors(BAD_NAME, EXISTS, NO_KEY, NOT_OPERATOR, NOT_JSON),
        },
      },
    },
    async (request, reply) => {
      const { name, scopes } = request.body;
      const made = await clients.create(name, scopes === undefined ? {} : { scopes }).catch(refused);
      return reply.status(201).send({
        clientId: made.clientId,
        name,
        apiKey: made.key,
        clientSecret: made.secret,
        scopes: scopes ?? null,
      });
    },
  );

  app.post<{ Params: Static<typeof NameParam>; Body: Static<typeof Rotate> }>(
    "/clients/:name/rotate",
    {
      // No body at all is the same as `{}`: both are replaced.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        operationId: "rotateClientCredentials",
        tags,
        summary: "Give an API client a new key and secret (operators)",
        description:
          "Replaces the API key, the client secret, or both (the default), and answers the new ones, shown this once. " +
          "The old key stops working on this server at once, on others within 5 s; the old secret at once. " +
          "A revoked client is reinstated with what is rotated. Needs the scope openqod:operator.",
        params: NameParam,
        body: withExamples(Rotate, {
          both: { summary: "A new key and secret", value: {} },
          key: { summary: "Only a new key", value: { apiKey: true, clientSecret: false } },
        }),
        response: {
          200: success(Rotated, "The new credentials (shown once)", {
            both: {
              summary: "Both rotated",
              value: {
                clientId: EXAMPLE_ID,
                name: "acme-ci",
                apiKey: EXAMPLE_KEY,
                clientSecret: EXAMPLE_SECRET,
              },
            },
          }),
          ...errors(NOT_FOUND, SANDBOX_KEPT, NO_KEY, NOT_OPERATOR, NOT_JSON),
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      keepSandboxClient(name);
      const client = await clients.named(name).catch(refused);
      const apiKey = request.body.apiKey === false ? undefined : await clients.rotate(name);
      const clientSecret = request.body.clientSecret === false ? undefined : await clients.rotateSecret(name);
      return {
        clientId: client.id,
        name,
        ...(apiKey === undefined ? {} : { apiKey }),
        ...(clientSecret === undefined ? {} : { clientSecret }),
      };
    },
  );

  app.delete<{ Params: Static<typeof NameParam> }>(
    "/clients/:name",
    {
      schema: {
        operationId: "revokeClient",
        tags,
        summary: "Revoke an API client (operators)",
        description:
          "Its key, its secret and its tokens stop working (the key on this server at once, on others within 5 s). " +
          "An operator may revoke the client it is signed in with; the next request then answers 401. Needs the scope openqod:operator.",
        params: NameParam,
        response: {
          204: Type.Null({ "x-response-description": "Revoked" }),
          ...errors(NOT_FOUND, SANDBOX_KEPT, NO_KEY, NOT_OPERATOR),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      keepSandboxClient(name);
      if (!(await clients.revoke(name))) throw new ApiError("NOT_FOUND", `no active client ${name}`);
      return reply.status(204).send();
    },
  );
};
