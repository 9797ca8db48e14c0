import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Credentials } from "./credentials.ts";
import type { EmulatedNetwork } from "./network.ts";
import { NefProblem } from "./problem.ts";
import type { EmulatedSubscription } from "./subscriptions.ts";
import { checkPatch, checkSubscription, parseJson, requireMediaType } from "./validation.ts";

/** The API's path below the apiRoot (TS 29.122 clause 5.14.1). */
export const API_PATH = "/3gpp-as-session-with-qos/v1";

type Params = { scsAsId: string; subscriptionId: string };

/** The absolute URL of the collection, as the client reached the NEF. */
function collectionUrl(request: FastifyRequest<{ Params: Params }>): string {
  const host = request.headers.host ?? "127.0.0.1";
  return `${request.protocol}://${host}${API_PATH}/${encodeURIComponent(request.params.scsAsId)}/subscriptions`;
}

function answer(reply: FastifyReply, status: number, subscription: EmulatedSubscription) {
  return reply.code(status).type("application/json").send(subscription.body);
}

/**
 * The AsSessionWithQoS resources: `/{scsAsId}/subscriptions` (GET, POST) and
 * `/{scsAsId}/subscriptions/{subscriptionId}` (GET, PUT, PATCH, DELETE). Every call is authenticated
 * first, then the SCS/AS and subscription are looked up, then the body is judged.
 */
export function nefRoutes(app: FastifyInstance, network: EmulatedNetwork, credentials: Credentials): void {
  const collection = `${API_PATH}/:scsAsId/subscriptions`;
  const individual = `${collection}/:subscriptionId`;

  app.addHook<{ Params: Params }>("preHandler", async (request) => {
    if (!request.url.startsWith(`${API_PATH}/`)) return;
    credentials.check(request.headers.authorization);
    network.requireScsAs(request.params.scsAsId);
  });

  const notAllowed = (allow: string) => async () => {
    throw new NefProblem(405, `allowed: ${allow}`, { headers: { allow } });
  };
  app.route({ method: ["PUT", "PATCH", "DELETE"], url: collection, handler: notAllowed("GET, POST") });
  app.route({ method: ["POST"], url: individual, handler: notAllowed("GET, PUT, PATCH, DELETE") });

  app.get<{ Params: Params }>(collection, async (request, reply) =>
    reply.type("application/json").send(network.list(request.params.scsAsId).map((s) => s.body)),
  );

  app.post<{ Params: Params; Body: string }>(collection, async (request, reply) => {
    requireMediaType(request.headers["content-type"], "application/json");
    const body = checkSubscription(parseJson(request.body ?? ""), true);
    const subscription = await network.create(request.params.scsAsId, collectionUrl(request), body);
    // The allocation report follows the 201 (unless a UE's behaviour says it races ahead): "close"
    // fires once the answer is out (or the client has gone; the subscription then lives on, as in a
    // real NEF).
    if (await network.allocateBeforeAnswer(subscription))
      return answer(reply.header("location", subscription.url), 201, subscription);
    if (request.raw.socket.destroyed) network.allocateAfterAnswer(subscription);
    else reply.raw.once("close", () => network.allocateAfterAnswer(subscription));
    return answer(reply.header("location", subscription.url), 201, subscription);
  });

  app.get<{ Params: Params }>(individual, async (request, reply) =>
    answer(reply, 200, network.get(request.params.scsAsId, request.params.subscriptionId)),
  );

  app.put<{ Params: Params; Body: string }>(individual, async (request, reply) => {
    network.get(request.params.scsAsId, request.params.subscriptionId);
    requireMediaType(request.headers["content-type"], "application/json");
    const body = checkSubscription(parseJson(request.body ?? ""), false);
    return answer(reply, 200, network.replace(request.params.scsAsId, request.params.subscriptionId, body));
  });

  app.patch<{ Params: Params; Body: string }>(individual, async (request, reply) => {
    network.get(request.params.scsAsId, request.params.subscriptionId);
    requireMediaType(request.headers["content-type"], "application/merge-patch+json");
    const patch = checkPatch(parseJson(request.body ?? ""));
    return answer(reply, 200, network.patch(request.params.scsAsId, request.params.subscriptionId, patch));
  });

  app.delete<{ Params: Params }>(individual, async (request, reply) => {
    network.delete(request.params.scsAsId, request.params.subscriptionId);
    return reply.code(204).send();
  });
}
