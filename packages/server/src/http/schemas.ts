import { type TSchema, Type } from "@sinclair/typebox";
import { QosProfileName } from "../wire/qos-profiles.ts";

/**
 * The schemas of the HTTP API. The wire types themselves (bodies and responses, as CAMARA QoD 1.1.0
 * and QoS Profiles 1.1.0 define them) are declared once in wire/, which the domain shares; this file
 * re-exports them for the routes and adds what only HTTP has: path parameters, the error body, the
 * x-correlator header. Routes attach the OpenAPI prose and examples (docs.ts, examples.ts).
 */
export { QosProfile, QosProfileDeviceRequest } from "../wire/qos-profiles.ts";
export {
  CreateSession,
  ExtendSessionDuration,
  RetrieveSessionsInput,
  SessionInfo,
} from "../wire/quality-on-demand.ts";

export const XCorrelatorPattern = "^[a-zA-Z0-9-_:;.\\/<>{}]{0,256}$";

export const SessionIdParams = Type.Object({
  sessionId: Type.String({
    format: "uuid",
    description: "The session's id, as its create answered",
    examples: ["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
  }),
});

export const ErrorInfo = Type.Object({ status: Type.Integer(), code: Type.String(), message: Type.String() });

export const QosProfileNameParams = Type.Object({
  name: Type.String({ ...QosProfileName, description: "The profile's name", examples: ["QOS_L"] }),
});

/** Error responses without examples; docs.ts `errors()` gives them examples and descriptions. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorInfo]));
}
