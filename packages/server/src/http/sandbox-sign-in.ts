import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { isLoopbackHost } from "../domain/ip.ts";
import { ApiError } from "../errors.ts";
import { errors, NOT_JSON, success } from "./docs.ts";

/** The sandbox client the dashboard's one-click sign-in hands out. */
export interface SandboxSignIn {
  clientId: string;
  apiKey: string;
  scopes: readonly string[];
  /** Whether the server listens only on a loopback address; sign-in is never offered otherwise. */
  boundToLoopback: boolean;
}

const SignedIn = Type.Object(
  {
    clientId: Type.String({ description: "The sandbox client's id (its OAuth2 client_id)" }),
    apiKey: Type.String({ description: "Its API key, sent as `Authorization: Bearer`" }),
    scopes: Type.Array(Type.String(), { description: "What it may do" }),
  },
  { additionalProperties: false },
);

const Availability = Type.Object(
  { available: Type.Boolean({ description: "Whether POST /sandbox/v1/sign-in answers this caller" }) },
  { additionalProperties: false },
);

const WRONG_METHOD = {
  code: "METHOD_NOT_ALLOWED",
  message: "DELETE is not allowed on /sandbox/v1/sign-in; use GET or POST.",
} as const;

const HIDDEN = { code: "NOT_FOUND", message: "The specified resource is not found." } as const;

/** `Host` without its port: `[::1]:3000` → `[::1]`, `localhost:3000` → `localhost`. */
function hostName(host: string | undefined): string | null {
  if (host === undefined) return null;
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end === -1 ? null : host.slice(0, end + 1);
  }
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * Headers a proxy adds: a request that went through one (nginx in front of a loopback sandbox) comes
 * from loopback too, but from anywhere behind it, so it is never given the key.
 */
const PROXIED = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "via"];

/**
 * Loopback on both ends: the server listens only there, the socket comes from there, and the `Host`
 * names it (a page served from another name that resolves to 127.0.0.1 is DNS rebinding); and no proxy
 * says it forwarded the request.
 */
function fromThisMachine(request: FastifyRequest, signIn: SandboxSignIn): boolean {
  if (PROXIED.some((header) => request.headers[header] !== undefined)) return false;
  const name = hostName(request.headers.host);
  const peer = request.raw.socket.remoteAddress ?? "";
  const bare = peer.startsWith("::ffff:") ? peer.slice("::ffff:".length) : peer;
  return signIn.boundToLoopback && name !== null && isLoopbackHost(name) && isLoopbackHost(bare);
}

/**
 * The dashboard's one-click sign-in as the sandbox client, mounted at /sandbox/v1 without
 * authentication: it answers only a caller on this machine of a loopback-bound sandbox, and is a 404
 * anywhere else so it does not say it exists.
 */
export const sandboxSignInRoutes: FastifyPluginAsync<{ signIn: SandboxSignIn }> = async (app, { signIn }) => {
  app.get(
    "/sign-in",
    {
      schema: {
        operationId: "sandboxSignInAvailable",
        tags: ["Sandbox"],
        summary: "Whether one-click sign-in as the sandbox client is offered to this caller",
        description:
          "True only on a sandbox listening on a loopback address, for a request from loopback with a loopback `Host`; " +
          "the dashboard shows its sandbox button when it is.",
        security: [],
        response: {
          200: success(Availability, "Whether sign-in is offered", {
            offered: { summary: "On a loopback sandbox", value: { available: true } },
          }),
          ...errors(WRONG_METHOD),
        },
      },
    },
    async (request) => ({ available: fromThisMachine(request, signIn) }),
  );

  app.post(
    "/sign-in",
    {
      schema: {
        operationId: "signInAsSandbox",
        tags: ["Sandbox"],
        summary: "Sign in as the sandbox client (loopback sandbox only)",
        description:
          "Answers the sandbox client's id, API key and scopes, with no credential, only when the server is a sandbox " +
          "listening on a loopback address and the request comes from loopback with a loopback `Host` and a JSON body " +
          "(a form on another site cannot send one without CORS, which is not offered). 404 NOT_FOUND otherwise.",
        security: [],
        response: {
          200: success(SignedIn, "The sandbox client", {
            sandbox: {
              summary: "The sandbox client",
              value: {
                clientId: "0190a0f0-0000-7000-8000-000000000001",
                apiKey: "oq_sandbox-example-key",
                scopes: ["openqod:operator", "openqod:sandbox"],
              },
            },
          }),
          ...errors(NOT_JSON, HIDDEN, WRONG_METHOD),
        },
      },
    },
    async (request) => {
      if (!fromThisMachine(request, signIn)) throw new ApiError("NOT_FOUND");
      // text/plain and form posts need no CORS preflight: only JSON proves a script of this origin.
      const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
      if (type !== "application/json") throw new ApiError("UNSUPPORTED_MEDIA_TYPE");
      return { clientId: signIn.clientId, apiKey: signIn.apiKey, scopes: [...signIn.scopes] };
    },
  );
};
