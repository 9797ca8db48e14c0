import { type Static, Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { type ChosenDevice, chooseDeviceIdentifier } from "../domain/device.ts";
import type { ProfileCatalogue } from "../domain/profiles.ts";
import { ApiError } from "../errors.ts";
import type { NetworkAdapter } from "../network/adapter.ts";
import { deviceOf } from "../service/owner.ts";
import { type AfterAuth, type Authenticator, requireAuth } from "./auth.ts";
import { errors, NO_KEY, NOT_JSON, success, withExamples } from "./docs.ts";
import { qosProfileExamples, qosProfileListExamples, retrieveQosProfilesExamples } from "./examples.ts";
import { QosProfile, QosProfileDeviceRequest, QosProfileNameParams } from "./schemas.ts";

export interface QosProfilesV1Options {
  profiles: ProfileCatalogue;
  network: NetworkAdapter;
  authenticator: Authenticator;
  /** The per-client rate limit (http/rate-limits.ts). */
  afterAuth?: AfterAuth | undefined;
}

const tags = ["QoS Profiles"];

/** CAMARA QoS Profiles 1.1.0, mounted at /qos-profiles/v1. */
export const qosProfilesV1: FastifyPluginAsync<QosProfilesV1Options> = async (
  app,
  { profiles, network, authenticator, afterAuth },
) => {
  app.addHook("onRequest", requireAuth(authenticator, afterAuth));

  app.get<{ Params: Static<typeof QosProfileNameParams> }>(
    "/qos-profiles/:name",
    {
      schema: {
        summary: "Read a QoS profile",
        description:
          "One profile by name: its rates, latency and jitter targets, priority, and the durations a session of it may last.",
        operationId: "getQosProfile",
        tags,
        params: QosProfileNameParams,
        response: {
          200: success(QosProfile, "The profile", qosProfileExamples),
          ...errors(
            {
              code: "INVALID_ARGUMENT",
              summary: "The name breaks the schema",
              message: 'name must be 3 to 256 characters: letters, digits, "_", ".", "-"',
            },
            NO_KEY,
            { code: "NOT_FOUND", message: "QoS profile QOS_XXL does not exist." },
          ),
        },
      },
    },
    async (request) => {
      const profile = profiles.get(request.params.name);
      if (profile === undefined)
        throw new ApiError("NOT_FOUND", `QoS profile ${request.params.name} does not exist.`);
      // A device-bound token sees only what its device may use (QoS Profiles 1.1.0, "Identifying the
      // device from the access token").
      const bound = request.owner.device;
      if (bound !== null) {
        const names = await profilesOf(network, bound);
        if (names !== null && !names.includes(profile.name))
          throw new ApiError(
            "NOT_FOUND",
            `QoS profile ${profile.name} is not available to the device the access token is bound to.`,
          );
      }
      return profile;
    },
  );

  app.post<{ Body: Static<typeof QosProfileDeviceRequest> }>(
    "/retrieve-qos-profiles",
    {
      schema: {
        summary: "Find QoS profiles",
        description:
          "The profiles that match every filter given: `name`, `status`, and `device` (only what that device may use, [] when it may use none; an unknown device is a 404, not []).",
        operationId: "retrieveQoSProfiles",
        tags,
        body: withExamples(QosProfileDeviceRequest, retrieveQosProfilesExamples),
        response: {
          200: success(Type.Array(QosProfile), "The matching profiles; none is []", qosProfileListExamples),
          ...errors(
            {
              code: "INVALID_ARGUMENT",
              summary: "A field breaks the schema",
              message: "status must be one of ACTIVE, INACTIVE or DEPRECATED",
            },
            NO_KEY,
            "IDENTIFIER_NOT_FOUND",
            NOT_JSON,
            "SERVICE_NOT_APPLICABLE",
          ),
        },
      },
    },
    async (request) => {
      const { device, name, status } = request.body;
      let names: readonly string[] | null = null;
      if (device !== undefined || request.owner.device !== null) {
        // With a device filter, only what that device can use: an unknown device is an error, not [].
        // A known device that may use none gets 200 []: r3.2 says "all returned QoS Profiles will be
        // available to that device" and keeps 404 for an identifier not found (GenericDevice404).
        names = await profilesOf(network, deviceOf(request.owner, device, chooseDeviceIdentifier));
      }
      return profiles.list({
        ...(name === undefined ? {} : { name }),
        ...(status === undefined ? {} : { status }),
        names,
      });
    },
  );
};

/**
 * The profile names a device may use (null = all).
 * @throws ApiError 404 IDENTIFIER_NOT_FOUND, 422 SERVICE_NOT_APPLICABLE.
 */
async function profilesOf(network: NetworkAdapter, device: ChosenDevice): Promise<readonly string[] | null> {
  const check = await network.checkDevice(device);
  if (check.status === "NOT_FOUND") throw new ApiError("IDENTIFIER_NOT_FOUND");
  if (check.status === "SERVICE_NOT_APPLICABLE") throw new ApiError("SERVICE_NOT_APPLICABLE");
  return check.profiles;
}
