import type { FastifyRequest } from "fastify";
import type { Principal } from "../auth/principal.ts";
import { isOperator } from "../auth/scopes.ts";
import { chooseDeviceIdentifier } from "../domain/device.ts";
import type { Caller } from "../service/notification-service.ts";
import type { Owner } from "../service/owner.ts";

/** Whom the service acts for: the principal's client, narrowed to its token's device if bound. */
export function ownerOf(principal: Principal): Owner {
  return {
    clientId: principal.clientId,
    device: principal.device === null ? null : chooseDeviceIdentifier(principal.device),
  };
}

/**
 * A response as the caller may see it: without `device` for a device-bound token, as CAMARA says (the
 * device is returned only to a consumer that named it in the request).
 */
export function asSeenBy<T>(request: FastifyRequest, info: T): T {
  if (request.principal.device === null || typeof info !== "object" || info === null) return info;
  const { device: _left, ...rest } = info as T & { device?: unknown };
  return rest as T;
}

/**
 * Whom the notifications API acts for: null (every client's) for an operator, a principal with
 * `openqod:operator` and no device binding (a token bound to one device speaks for that device only);
 * else the principal's own client.
 */
export function callerOf(request: FastifyRequest): Caller {
  const { principal } = request;
  return isOperator(principal.scopes) && principal.device === null ? null : request.owner;
}
