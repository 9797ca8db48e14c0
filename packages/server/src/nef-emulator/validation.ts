import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import {
  AsSessionWithQoSSubscription,
  AsSessionWithQoSSubscriptionPatch,
  type InvalidParam,
  UNMODELLED_SUBSCRIPTION_FIELDS,
} from "../nef/wire.ts";
import { invalidParams, NefProblem } from "./problem.ts";

/**
 * How the emulator judges a request body, as a strict NEF would: the schema first (every attribute
 * known, well typed, required ones present), then the rules of TS 29.122's text that a schema cannot
 * say (clause 5.14.2.1.2 notes: which UE identifiers, flows and QoS a subscription carries).
 */

const compiled = {
  subscription: TypeCompiler.Compile(AsSessionWithQoSSubscription),
  patch: TypeCompiler.Compile(AsSessionWithQoSSubscriptionPatch),
};

const UNMODELLED = new Set<string>(UNMODELLED_SUBSCRIPTION_FIELDS);

/**
 * The errors to report: for a value that matches no variant of a union (a nullable object, say),
 * those of the variant it came closest to, the one whose errors lie deeper, so the pointer names the
 * attribute at fault rather than the whole object.
 */
function* innermost(errors: Iterable<ValueError>): Generator<ValueError> {
  for (const error of errors) {
    if (error.type !== ValueErrorType.Union) {
      yield error;
      continue;
    }
    const deeper = error.errors
      .map((variant) => [...variant])
      .find((found) => found.some((e) => e.path !== error.path));
    if (deeper === undefined) yield error;
    else yield* innermost(deeper);
  }
}

/** One InvalidParam per JSON Pointer, the first reason TypeBox gives for it. */
function schemaErrors(check: ReturnType<typeof TypeCompiler.Compile<TSchema>>, body: unknown) {
  const byPath = new Map<string, InvalidParam>();
  let missing = false;
  for (const error of innermost(check.Errors(body))) {
    if (byPath.has(error.path)) continue;
    const name = error.path.split("/").pop() ?? "";
    let reason = error.message;
    if (error.type === ValueErrorType.ObjectRequiredProperty) {
      missing = true;
      reason = "is mandatory and missing";
    } else if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      reason = UNMODELLED.has(name)
        ? "is defined by TS 29.122 but not supported by this NEF"
        : "is not an attribute of this data type";
    }
    byPath.set(error.path || "/", { param: error.path || "/", reason });
  }
  return { invalid: [...byPath.values()], missing };
}

/** Parses a JSON request body; anything else is 400 INVALID_MSG_FORMAT. */
export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw invalidParams([{ param: "/", reason: "is not valid JSON" }], "INVALID_MSG_FORMAT");
  }
}

// TS 29.214 clause 5.3.8 / RFC 6733 clause 4.3 IPFilterRule, as a NEF's N5 interface accepts it:
// "permit in|out <proto> from <addr>[/<bits>] [<ports>] to <addr>[/<bits>] [<ports>]".
const ADDRESS = "(any|assigned|[0-9a-fA-F.:]+(/[0-9]{1,3})?)";
const PORTS = "( [0-9]{1,5}(-[0-9]{1,5})?(,[0-9]{1,5}(-[0-9]{1,5})?)*)?";
const IP_FILTER_RULE = new RegExp(
  `^permit (in|out) (ip|[0-9]{1,3}) from ${ADDRESS}${PORTS} to ${ADDRESS}${PORTS}$`,
);

function flowErrors(body: { flowInfo?: { flowDescriptions?: string[] }[] }): InvalidParam[] {
  const invalid: InvalidParam[] = [];
  body.flowInfo?.forEach((flow, i) => {
    flow.flowDescriptions?.forEach((rule, j) => {
      if (!IP_FILTER_RULE.test(rule)) {
        invalid.push({ param: `/flowInfo/${i}/flowDescriptions/${j}`, reason: "is not an IPFilterRule" });
      }
    });
  });
  return invalid;
}

function destinationErrors(destination: string | undefined): InvalidParam[] {
  if (destination === undefined) return [];
  try {
    const url = new URL(destination);
    if (url.protocol === "http:" || url.protocol === "https:") return [];
  } catch {
    // reported below
  }
  return [{ param: "/notificationDestination", reason: "is not an absolute http(s) URI" }];
}

/**
 * A create (POST, `creating`) or replace (PUT) body. Besides the schema: exactly one of
 * ueIpv4Addr / ueIpv6Addr / macAddr, or a gpsi alone; ipDomain only with ueIpv4Addr; flowInfo or
 * exterAppId; a qosReference; supportedFeatures on POST ("shall be provided in the HTTP POST request").
 * @throws NefProblem 400 with the invalid parameters
 */
export function checkSubscription(body: unknown, creating: boolean): AsSessionWithQoSSubscription {
  const { invalid, missing } = schemaErrors(compiled.subscription, body);
  if (invalid.length > 0)
    throw invalidParams(invalid, missing ? "MANDATORY_IE_MISSING" : "INVALID_MSG_FORMAT");
  const subscription = body as AsSessionWithQoSSubscription;

  const absent: InvalidParam[] = [];
  const ueAddresses = (["ueIpv4Addr", "ueIpv6Addr", "macAddr"] as const).filter(
    (k) => subscription[k] !== undefined,
  );
  if (ueAddresses.length === 0 && subscription.gpsi === undefined) {
    absent.push({
      param: "/ueIpv4Addr",
      reason: "one of ueIpv4Addr, ueIpv6Addr, macAddr or gpsi is mandatory",
    });
  }
  if (subscription.flowInfo === undefined && subscription.exterAppId === undefined) {
    absent.push({ param: "/flowInfo", reason: "flowInfo or exterAppId is mandatory" });
  }
  if (subscription.qosReference === undefined) {
    absent.push({ param: "/qosReference", reason: "is mandatory and missing" });
  }
  if (creating && subscription.supportedFeatures === undefined) {
    absent.push({ param: "/supportedFeatures", reason: "shall be provided in the HTTP POST request" });
  }
  if (absent.length > 0) throw invalidParams(absent, "MANDATORY_IE_MISSING");

  const wrong: InvalidParam[] = ueAddresses.slice(1).map((k) => ({
    param: `/${k}`,
    reason: `only one of ueIpv4Addr, ueIpv6Addr and macAddr may be given (${ueAddresses[0]} is)`,
  }));
  if (subscription.ipDomain !== undefined && subscription.ueIpv4Addr === undefined) {
    wrong.push({ param: "/ipDomain", reason: "may only be given with ueIpv4Addr" });
  }
  wrong.push(...flowErrors(subscription), ...destinationErrors(subscription.notificationDestination));
  if (wrong.length > 0) throw invalidParams(wrong, "INVALID_MSG_FORMAT");
  return subscription;
}

/** A merge patch body. @throws NefProblem 400 with the invalid parameters */
export function checkPatch(body: unknown): AsSessionWithQoSSubscriptionPatch {
  const { invalid } = schemaErrors(compiled.patch, body);
  if (invalid.length > 0) throw invalidParams(invalid, "INVALID_MSG_FORMAT");
  const patch = body as AsSessionWithQoSSubscriptionPatch;
  const wrong = [...flowErrors(patch), ...destinationErrors(patch.notificationDestination)];
  if (wrong.length > 0) throw invalidParams(wrong, "INVALID_MSG_FORMAT");
  return patch;
}

/** The media type of a request, without parameters, lower case ("" when absent). */
export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** @throws NefProblem 415 when the body is not of the one media type the operation takes */
export function requireMediaType(header: string | undefined, expected: string): void {
  const actual = mediaType(header);
  if (actual !== expected) {
    throw new NefProblem(415, `the body must be ${expected}, not ${actual || "untyped"}`, {
      cause: "UNSUPPORTED_MEDIA_TYPE",
      invalidParams: [{ param: "Content-Type", reason: `must be ${expected}` }],
    });
  }
}
