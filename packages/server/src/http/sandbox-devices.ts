import { type Static, Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { Clock } from "../clock.ts";
import { ApiError } from "../errors.ts";
import { uuidv7 } from "../ids.ts";
import { type DeviceRule, TEST_DEVICES } from "../network/device-registry.ts";
import type {
  IdentifierKind,
  SandboxDeviceRecord,
  SandboxDeviceRepository,
} from "../store/sandbox-devices.ts";
import { errors, NO_KEY, NOT_JSON, success, withExamples } from "./docs.ts";

export interface SandboxDevicesOptions {
  devices: SandboxDeviceRepository;
  clock: Clock;
}

const tags = ["Sandbox"];
const MAX_DELAY_MS = 600_000;
const OUTCOMES = ["GRANT", "REFUSE", "NOT_FOUND", "SERVICE_NOT_APPLICABLE", "PENDING"] as const;

const DeviceIdentifier = Type.Object(
  {
    phoneNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    networkAccessIdentifier: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    ipv4Address: Type.Optional(
      Type.Object(
        { publicAddress: Type.String({ minLength: 1, maxLength: 64 }) },
        { additionalProperties: false },
      ),
    ),
    ipv6Address: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false, description: "Exactly one identifier" },
);

const Outcome = Type.Union(
  OUTCOMES.map((o) => Type.Literal(o)),
  { description: "What the simulated network does for the device's sessions" },
);

const SetRule = Type.Object(
  {
    device: DeviceIdentifier,
    outcome: Outcome,
    activationDelayMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_DELAY_MS,
        description: "How long its sessions stay REQUESTED",
      }),
    ),
  },
  { additionalProperties: false },
);

const Rule = Type.Object(
  {
    id: Type.String(),
    device: DeviceIdentifier,
    outcome: Outcome,
    activationDelayMs: Type.Optional(Type.Integer()),
    createdAt: Type.String({ format: "date-time" }),
  },
  { additionalProperties: false },
);

const TestDevice = Type.Object(
  { device: DeviceIdentifier, outcome: Outcome, activationDelayMs: Type.Optional(Type.Integer()) },
  { additionalProperties: false },
);

const RuleList = Type.Object(
  {
    devices: Type.Array(Rule, { description: "The caller's own rules, checked first" }),
    testDevices: Type.Array(TestDevice, { description: "The built-in test identifiers, read-only" }),
  },
  { additionalProperties: false },
);

const RuleIdParams = Type.Object({ ruleId: Type.String({ minLength: 1, maxLength: 64 }) });

type WireDevice = Static<typeof DeviceIdentifier>;

const refuseExample = {
  id: "0190a0f0-0000-7000-8000-0000000000aa",
  device: { phoneNumber: "+123456789" },
  outcome: "REFUSE",
  createdAt: "2026-12-01T12:00:00.000Z",
};

const NO_RULE = { code: "NOT_FOUND", message: "The caller has no device rule with that id." } as const;
const TWO_IDENTIFIERS = {
  code: "INVALID_ARGUMENT",
  summary: "Not exactly one identifier",
  message:
    "device must name exactly one identifier (phoneNumber, networkAccessIdentifier, ipv4Address or ipv6Address).",
} as const;

/** The one identifier of a rule's device, or a 400. */
function identifierOf(device: WireDevice): { kind: IdentifierKind; identifier: string } {
  const given: { kind: IdentifierKind; identifier: string }[] = [];
  if (device.phoneNumber !== undefined) given.push({ kind: "phoneNumber", identifier: device.phoneNumber });
  if (device.networkAccessIdentifier !== undefined)
    given.push({ kind: "networkAccessIdentifier", identifier: device.networkAccessIdentifier });
  if (device.ipv4Address !== undefined)
    given.push({ kind: "ipv4Address", identifier: device.ipv4Address.publicAddress });
  if (device.ipv6Address !== undefined) given.push({ kind: "ipv6Address", identifier: device.ipv6Address });
  const [only] = given;
  if (given.length !== 1 || only === undefined)
    throw new ApiError("INVALID_ARGUMENT", TWO_IDENTIFIERS.message);
  return only;
}

function wireDevice(kind: IdentifierKind, identifier: string): WireDevice {
  return kind === "ipv4Address" ? { ipv4Address: { publicAddress: identifier } } : { [kind]: identifier };
}

function toWire(record: SandboxDeviceRecord) {
  return {
    id: record.id,
    device: wireDevice(record.kind, record.identifier),
    outcome: record.outcome,
    ...(record.activationDelayMs === null ? {} : { activationDelayMs: record.activationDelayMs }),
    createdAt: new Date(record.createdAt).toISOString(),
  };
}

function testDevice(rule: DeviceRule) {
  const device: WireDevice =
    rule.phoneNumber !== undefined
      ? { phoneNumber: rule.phoneNumber }
      : rule.networkAccessIdentifier !== undefined
        ? { networkAccessIdentifier: rule.networkAccessIdentifier }
        : rule.ipv4PublicAddress !== undefined
          ? { ipv4Address: { publicAddress: rule.ipv4PublicAddress } }
          : { ipv6Address: rule.ipv6Address ?? "" };
  return {
    device,
    outcome: rule.outcome,
    ...(rule.activationDelayMs === undefined ? {} : { activationDelayMs: rule.activationDelayMs }),
  };
}

/**
 * The caller's own device registry in the sandbox, mounted at /sandbox/v1/devices (only in front of
 * the simulator): what the simulated network does for a device's sessions, for this client only.
 */
export const sandboxDeviceRoutes: FastifyPluginAsync<SandboxDevicesOptions> = async (
  app,
  { devices, clock },
) => {
  app.get(
    "/devices",
    {
      schema: {
        operationId: "listSandboxDevices",
        tags,
        summary: "The caller's device rules, and the built-in test devices",
        description:
          "The rules the caller set for its own sessions, checked before the server's devices file and the built-in test " +
          "identifiers (listed in `testDevices`, read-only). Another client's rules never change the caller's sessions.",
        response: {
          200: success(RuleList, "The caller's rules and the test devices", {
            one: {
              summary: "One rule",
              value: { devices: [refuseExample], testDevices: TEST_DEVICES.slice(0, 1).map(testDevice) },
            },
          }),
          ...errors(NO_KEY),
        },
      },
    },
    async (request) => ({
      devices: (await devices.list(request.owner.clientId)).map(toWire),
      testDevices: TEST_DEVICES.map(testDevice),
    }),
  );

  app.put<{ Body: Static<typeof SetRule> }>(
    "/devices",
    {
      schema: {
        operationId: "setSandboxDevice",
        tags,
        summary: "Say what the simulated network does for one device",
        description:
          "Sets the caller's rule for the device (exactly one identifier): GRANT, REFUSE (REQUESTED, then UNAVAILABLE), " +
          "NOT_FOUND (create answers 404 IDENTIFIER_NOT_FOUND), SERVICE_NOT_APPLICABLE (422) or PENDING (REQUESTED until a " +
          `network event); \`activationDelayMs\` (at most ${MAX_DELAY_MS}) keeps sessions REQUESTED that long. ` +
          "Setting the same identifier again replaces its rule. Applies to sessions created afterwards.",
        body: withExamples(SetRule, {
          refuse: {
            summary: "Refuse a phone's sessions",
            value: { device: { phoneNumber: "+123456789" }, outcome: "REFUSE" },
          },
        }),
        response: {
          200: success(Rule, "The rule, as set", { refuse: { summary: "A refusal", value: refuseExample } }),
          ...errors(TWO_IDENTIFIERS, NOT_JSON, NO_KEY),
        },
      },
    },
    async (request) => {
      const { kind, identifier } = identifierOf(request.body.device);
      const now = clock.now();
      const record = await devices.set({
        id: uuidv7(now),
        clientId: request.owner.clientId,
        kind,
        identifier,
        outcome: request.body.outcome,
        activationDelayMs: request.body.activationDelayMs ?? null,
        createdAt: now,
      });
      return toWire(record);
    },
  );

  app.delete<{ Params: Static<typeof RuleIdParams> }>(
    "/devices/:ruleId",
    {
      schema: {
        operationId: "deleteSandboxDevice",
        tags,
        summary: "Remove one of the caller's device rules",
        description:
          "The device's sessions created afterwards follow the devices file and the test identifiers again. " +
          "404 NOT_FOUND for an id that is not one of the caller's rules.",
        params: RuleIdParams,
        response: {
          204: Type.Null({ "x-response-description": "The rule is gone" }),
          ...errors(NO_KEY, NO_RULE),
        },
      },
    },
    async (request, reply) => {
      if (!(await devices.delete(request.owner.clientId, request.params.ruleId))) {
        throw new ApiError("NOT_FOUND", NO_RULE.message);
      }
      return reply.status(204).send();
    },
  );
};
