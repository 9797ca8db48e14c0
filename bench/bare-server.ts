import type { Static } from "@sinclair/typebox";
import Fastify from "fastify";
import { CreateSession, SessionInfo } from "../packages/server/src/http/schemas.ts";

/**
 * The baseline: a bare Fastify app with the same routes, request schema and response schema as
 * OpenQoD, answering from memory. What OpenQoD costs on top of it is storage, rules and auth.
 */
const app = Fastify({
  logger: false,
  // The server's ajv options, so the baseline validates the same schemas the same way (they carry the
  // server's annotation keywords for error messages and examples).
  ajv: {
    customOptions: {
      removeAdditional: false,
      coerceTypes: false,
      verbose: true,
      keywords: ["x-expected", "x-examples"],
    },
  },
});
const info: Static<typeof SessionInfo> = {
  device: { phoneNumber: "+36721601234567" },
  applicationServer: { ipv4Address: "233.252.0.2" },
  qosProfile: "QOS_L",
  sessionId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
  duration: 3600,
  startedAt: "2026-06-01T12:00:00.000Z",
  expiresAt: "2026-06-01T13:00:00.000Z",
  qosStatus: "AVAILABLE",
};
app.get(
  "/quality-on-demand/v1/sessions/:sessionId",
  { schema: { response: { 200: SessionInfo } } },
  async () => info,
);
app.post<{ Body: Static<typeof CreateSession> }>(
  "/quality-on-demand/v1/sessions",
  { schema: { body: CreateSession, response: { 201: SessionInfo } } },
  async (request, reply) =>
    reply.status(201).send({ ...info, device: request.body.device ?? {}, duration: request.body.duration }),
);
await app.listen({ host: "127.0.0.1", port: Number(process.env.PORT) });
process.stdout.write("ready\n");
