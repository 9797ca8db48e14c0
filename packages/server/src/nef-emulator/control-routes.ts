import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { FastifyInstance, FastifyReply } from "fastify";
import { UserPlaneEvent } from "../nef/wire.ts";
import type { NefEmulator } from "./emulator.ts";
import { invalidParams, NefProblem } from "./problem.ts";
import { parseJson } from "./validation.ts";

/** Where the emulator's own controls live, beside the NEF API. Unauthenticated: bind to loopback. */
export const CONTROL_PATH = "/emulator/v1";

const closed = { additionalProperties: false } as const;

const UeBehaviourBody = Type.Object(
  {
    createDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    refuse: Type.Optional(
      Type.Object(
        {
          status: Type.Integer({ minimum: 400, maximum: 599 }),
          cause: Type.String({ minLength: 1 }),
          detail: Type.Optional(Type.String()),
        },
        closed,
      ),
    ),
    unknown: Type.Optional(Type.Boolean()),
    allocation: Type.Optional(
      Type.Union([Type.Literal("SUCCESSFUL"), Type.Literal("FAILED"), Type.Literal("NONE")]),
    ),
    allocationDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    allocateBeforeAnswer: Type.Optional(Type.Boolean()),
  },
  closed,
);

const OutageBody = Type.Object(
  {
    mode: Type.Union([Type.Literal("503"), Type.Literal("destroy")]),
    retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  closed,
);

const EventBody = Type.Object({ event: UserPlaneEvent }, closed);
const DropBody = Type.Object({ count: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }, closed);

function read<T extends TSchema>(schema: T, raw: unknown): Static<T> {
  const body = parseJson(typeof raw === "string" ? raw : "");
  const errors = [...Value.Errors(schema, body)].map((e) => ({ param: e.path || "/", reason: e.message }));
  if (errors.length > 0) throw invalidParams(errors, "INVALID_MSG_FORMAT");
  return body as Static<T>;
}

function json(reply: FastifyReply, body: unknown) {
  return reply.type("application/json").send(body);
}

/**
 * The controls over HTTP, so an emulator started with `openqod nef-emulator` can be driven from another
 * terminal (curl). Each maps to one NefEmulator method.
 */
export function controlRoutes(app: FastifyInstance, emulator: NefEmulator): void {
  const known = (id: string) => {
    if (!emulator.subscriptions().some((s) => s.id === id)) {
      throw new NefProblem(404, `no subscription ${id}`, { cause: "CONTEXT_NOT_FOUND" });
    }
  };
  type Id = { Params: { id: string } };

  app.get(`${CONTROL_PATH}/subscriptions`, async (_request, reply) => json(reply, emulator.subscriptions()));
  app.post<Id>(`${CONTROL_PATH}/subscriptions/:id/terminate`, async (request, reply) => {
    known(request.params.id);
    return json(reply, { notification: await emulator.terminate(request.params.id) });
  });
  app.post<Id>(`${CONTROL_PATH}/subscriptions/:id/events`, async (request, reply) => {
    known(request.params.id);
    const { event } = read(EventBody, request.body);
    return json(reply, { notification: await emulator.report(request.params.id, event) });
  });
  app.post(`${CONTROL_PATH}/expire`, async (_request, reply) => {
    await emulator.expireDue();
    return reply.code(204).send();
  });

  app.get(`${CONTROL_PATH}/ues`, async (_request, reply) => json(reply, emulator.network.behaviours.list()));
  app.put<{ Params: { ue: string } }>(`${CONTROL_PATH}/ues/:ue`, async (request, reply) => {
    emulator.setUeBehaviour(request.params.ue, read(UeBehaviourBody, request.body));
    return reply.code(204).send();
  });
  app.delete<{ Params: { ue: string } }>(`${CONTROL_PATH}/ues/:ue`, async (request, reply) => {
    emulator.clearUeBehaviour(request.params.ue);
    return reply.code(204).send();
  });

  app.put(`${CONTROL_PATH}/outage`, async (request, reply) => {
    emulator.setOutage(read(OutageBody, request.body));
    return reply.code(204).send();
  });
  app.delete(`${CONTROL_PATH}/outage`, async (_request, reply) => {
    emulator.setOutage(null);
    return reply.code(204).send();
  });

  app.post(`${CONTROL_PATH}/notifications/drop`, async (request, reply) => {
    emulator.dropNotifications(read(DropBody, request.body).count);
    return reply.code(204).send();
  });
  app.get(`${CONTROL_PATH}/notifications`, async (_request, reply) => json(reply, emulator.notifications()));
  app.get(`${CONTROL_PATH}/requests`, async (_request, reply) => json(reply, emulator.requests()));
  app.post(`${CONTROL_PATH}/tokens/expire`, async (_request, reply) => {
    emulator.expireTokens();
    return reply.code(204).send();
  });
  app.post(`${CONTROL_PATH}/reset`, async (_request, reply) => {
    emulator.reset();
    return reply.code(204).send();
  });
}
