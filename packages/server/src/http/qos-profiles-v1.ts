import { type Static, Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { chooseDeviceIdentifier } from "../domain/device.ts";
import type { ProfileCatalogue } from "../domain/profiles.ts";
import { ApiError } from "../errors.ts";
import type { NetworkAdapter } from "../network/adapter.ts";
import { type Authenticator, requireAuth } from "./auth.ts";
import { errorResponses, QosProfile, QosProfileDeviceRequest, QosProfileNameParams } from "./schemas.ts";

export interface QosProfilesV1Options {
  profiles: ProfileCatalogue;
  network: NetworkAdapter;
  authenticator: Authenticator;
}

const tags = ["QoS Profiles"];

/** CAMARA QoS Profiles 1.1.0, mounted at /qos-profiles/v1. */
export const qosProfilesV1: FastifyPluginAsync<QosProfilesV1Options> = async (
  app,
  { profiles, network, authenticator },
) => {
  app.addHook("preHandler", requireAuth(authenticator));

  app.get<{ Params: Static<typeof QosProfileNameParams> }>(
    "/qos-profiles/:name",
    {
      schema: {
        operationId: "getQosProfile",
        tags,
        params: QosProfileNameParams,
        response: { 200: QosProfile, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const profile = profiles.get(request.params.name);
      if (profile === undefined)
        throw new ApiError("NOT_FOUND", `QoS profile ${request.params.name} does not exist.`);
      return profile;
    },
  );

  app.post<{ Body: Static<typeof QosProfileDeviceRequest> }>(
    "/retrieve-qos-profiles",
    {
      schema: {
        operationId: "retrieveQoSProfiles",
        tags,
        body: QosProfileDeviceRequest,
        response: { 200: Type.Array(QosProfile), ...errorResponses(400, 401, 403, 404, 415, 422) },
      },
    },
    async (request) => {
      const { device, name, status } = request.body;
      if (device !== undefined) {
        // With a device filter, only what that device can use: an unknown device is an error, not [].
        const deviceStatus = await network.checkDevice(chooseDeviceIdentifier(device));
        if (deviceStatus === "NOT_FOUND") throw new ApiError("IDENTIFIER_NOT_FOUND");
        if (deviceStatus === "SERVICE_NOT_APPLICABLE") throw new ApiError("SERVICE_NOT_APPLICABLE");
      }
      return profiles.list({
        ...(name === undefined ? {} : { name }),
        ...(status === undefined ? {} : { status }),
      });
    },
  );
};
