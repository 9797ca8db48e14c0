import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { ConfigError } from "../src/config.ts";
import { chooseDeviceIdentifier } from "../src/domain/device.ts";
import { parseFlow } from "../src/domain/flow.ts";
import type { Device } from "../src/domain/types.ts";
import type { ApiError } from "../src/errors.ts";
import { AsSessionWithQoSSubscription } from "../src/nef/wire.ts";
import { errorForAnswer } from "../src/network/nef/answers.ts";
import { nefAttemptLine } from "../src/network/nef/attempt-log.ts";
import { CallbackUrls } from "../src/network/nef/callback-url.ts";
import type { NefAnswer } from "../src/network/nef/client.ts";
import { networkEventKind } from "../src/network/nef/events.ts";
import { flowInfo, subscriptionFor, ueIdentifier } from "../src/network/nef/mapping.ts";
import { loadQosReferences } from "../src/network/nef/qos-references.ts";

const device = (d: Device) => chooseDeviceIdentifier(d);

describe("NEF mapping: a QoD session as a TS 29.122 subscription", () => {
  test("the device is a GPSI, the public IPv4 address or the IPv6 address in RFC 5952 form", () => {
    assert.deepEqual(ueIdentifier(device({ phoneNumber: "+36701234567" })), { gpsi: "msisdn-36701234567" });
    assert.deepEqual(
      ueIdentifier(device({ ipv4Address: { publicAddress: "203.0.113.5", privateAddress: "10.0.0.5" } })),
      { ueIpv4Addr: "203.0.113.5" },
    );
    assert.deepEqual(ueIdentifier(device({ ipv6Address: "2001:DB8:0:0:0:0:0:0001" })), {
      ueIpv6Addr: "2001:db8::1",
    });
    assert.deepEqual(ueIdentifier(device({ ipv6Address: "2001:db8:1:0:0:1:0:0" })), {
      ueIpv6Addr: "2001:db8:1::1:0:0",
    });
  });

  test("the flow is a downlink and an uplink IPFilterRule, with ports, port lists and ranges", () => {
    const ue = device({ ipv4Address: { publicAddress: "203.0.113.5", publicPort: 5000 } });
    const flow = parseFlow(
      { ipv4Address: "198.51.100.7/24" },
      { ports: [5060, 5061] },
      { ranges: [{ from: 8000, to: 8010 }], ports: [443] },
    );
    assert.deepEqual(flowInfo(ue, flow), [
      {
        flowId: 1,
        flowDescriptions: [
          "permit out ip from 198.51.100.0/24 8000-8010,443 to 203.0.113.5 5060,5061",
          "permit in ip from 203.0.113.5 5060,5061 to 198.51.100.0/24 8000-8010,443",
        ],
      },
    ]);
  });

  test("without ports every port; a device known by phone number is `any`; one FlowInfo per server address", () => {
    const flow = parseFlow({ ipv4Address: "198.51.100.7", ipv6Address: "2001:db8::/64" }, null, null);
    assert.deepEqual(flowInfo(device({ phoneNumber: "+36701234567" }), flow), [
      {
        flowId: 1,
        flowDescriptions: ["permit out ip from 198.51.100.7 to any", "permit in ip from any to 198.51.100.7"],
      },
      {
        flowId: 2,
        flowDescriptions: [
          "permit out ip from 2001:db8::/64 to any",
          "permit in ip from any to 2001:db8::/64",
        ],
      },
    ]);
    const v6 = device({ ipv6Address: "2001:db8:ffff::9" });
    assert.deepEqual(flowInfo(v6, flow)[1]?.flowDescriptions, [
      "permit out ip from 2001:db8::/64 to 2001:db8:ffff::9",
      "permit in ip from 2001:db8:ffff::9 to 2001:db8::/64",
    ]);
    assert.deepEqual(
      flowInfo(v6, flow)[0]?.flowDescriptions,
      ["permit out ip from 198.51.100.7 to any", "permit in ip from any to 198.51.100.7"],
      "the UE's IPv4 address is not known from an IPv6 device",
    );
  });

  test("the whole create body: UE, flow, qosReference, duration, callback, events; valid per the schema", () => {
    const body = subscriptionFor(
      {
        sessionId: "s-1",
        device: device({ phoneNumber: "+36701234567" }),
        flow: parseFlow({ ipv4Address: "198.51.100.7" }, null, { ports: [443] }),
        qosProfile: "QOS_E",
        duration: 3600,
      },
      { qosReference: "qod-e", notificationDestination: "https://qod.example/cb" },
    );
    assert.deepEqual(body, {
      supportedFeatures: "0",
      notificationDestination: "https://qod.example/cb",
      gpsi: "msisdn-36701234567",
      flowInfo: [
        {
          flowId: 1,
          flowDescriptions: [
            "permit out ip from 198.51.100.7 443 to any",
            "permit in ip from any to 198.51.100.7 443",
          ],
        },
      ],
      qosReference: "qod-e",
      usageThreshold: { duration: 3600 },
      events: [
        "SESSION_TERMINATION",
        "QOS_GUARANTEED",
        "QOS_NOT_GUARANTEED",
        "SUCCESSFUL_RESOURCES_ALLOCATION",
        "FAILED_RESOURCES_ALLOCATION",
      ],
    });
    assert.ok(Value.Check(AsSessionWithQoSSubscription, body));
  });

  test("NEF events become network events; events not subscribed to are ignored", () => {
    assert.equal(networkEventKind("SUCCESSFUL_RESOURCES_ALLOCATION"), "GRANTED");
    assert.equal(networkEventKind("QOS_GUARANTEED"), "GRANTED");
    assert.equal(networkEventKind("FAILED_RESOURCES_ALLOCATION"), "REFUSED");
    assert.equal(networkEventKind("SESSION_TERMINATION"), "TERMINATED");
    assert.equal(networkEventKind("QOS_NOT_GUARANTEED"), "NOT_GUARANTEED");
    assert.equal(networkEventKind("USAGE_REPORT"), null);
  });
});

describe("NEF callback URLs", () => {
  const urls = new CallbackUrls({ base: "https://qod.example/", key: "k".repeat(32) });

  test("each session's URL carries an HMAC of its id, which only the key's holder can make", () => {
    const url = urls.urlFor("3f1c-session");
    const secret = urls.secretFor("3f1c-session");
    assert.equal(url, `https://qod.example/network/nef/v1/sessions/3f1c-session/notifications/${secret}`);
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(urls.verify("3f1c-session", secret));
    assert.equal(urls.verify("other-session", secret), false);
    const tampered = `${secret.startsWith("A") ? "B" : "A"}${secret.slice(1)}`;
    assert.equal(urls.verify("3f1c-session", tampered), false);
  });

  test("a destination names its session only when its secret is ours, whatever the base", () => {
    assert.equal(urls.sessionOf(urls.urlFor("s-1")), "s-1");
    const moved = new CallbackUrls({ base: "https://elsewhere.example/qod", key: "k".repeat(32) });
    assert.equal(urls.sessionOf(moved.urlFor("s-1")), "s-1");
    const foreign = new CallbackUrls({ base: "https://qod.example", key: "x".repeat(32) });
    assert.equal(urls.sessionOf(foreign.urlFor("s-1")), null);
    assert.equal(urls.sessionOf("https://app.example/webhook"), null);
    assert.equal(urls.sessionOf(urls.urlFor("s-1").replace("/s-1/", "/s-2/")), null);
  });
});

describe("NEF answers as CAMARA errors", () => {
  const answer = (status: number, body: unknown = null, retryAfter?: string): NefAnswer => ({
    status,
    location: undefined,
    retryAfter,
    body,
  });
  const seen = (e: ApiError) => ({ status: e.status, code: e.code, retryAfter: e.headers["retry-after"] });

  test("an unknown UE is 404 IDENTIFIER_NOT_FOUND", () => {
    assert.deepEqual(seen(errorForAnswer("create", answer(404, { status: 404 }))), {
      status: 404,
      code: "IDENTIFIER_NOT_FOUND",
      retryAfter: undefined,
    });
    assert.equal(
      errorForAnswer("create", answer(400, { cause: "UE_NOT_FOUND" })).code,
      "IDENTIFIER_NOT_FOUND",
    );
    assert.equal(
      errorForAnswer("create", answer(500, { cause: "PDU_SESSION_NOT_AVAILABLE" })).code,
      "IDENTIFIER_NOT_FOUND",
    );
    assert.deepEqual(
      seen(errorForAnswer("create", answer(404, { cause: "RESOURCE_URI_STRUCTURE_NOT_FOUND" }))),
      { status: 503, code: "UNAVAILABLE", retryAfter: "5" },
      "a wrong SCS/AS id is OpenQoD's configuration, not the device",
    );
  });

  test("a QoS reference the NEF refuses is 422 QOS_PROFILE_NOT_APPLICABLE; another 403 SERVICE_NOT_APPLICABLE", () => {
    const qos = errorForAnswer("create", answer(400, { invalidParams: [{ param: "/qosReference" }] }));
    assert.deepEqual(seen(qos), {
      status: 422,
      code: "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
      retryAfter: undefined,
    });
    assert.equal(
      errorForAnswer("create", answer(403, { cause: "QOS_REFERENCE_NOT_AUTHORIZED" })).code,
      "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
    );
    assert.deepEqual(seen(errorForAnswer("create", answer(403, { cause: "REQUEST_NOT_AUTHORIZED" }))), {
      status: 422,
      code: "SERVICE_NOT_APPLICABLE",
      retryAfter: undefined,
    });
  });

  test("401, other 4xx, 429 and 5xx are 503 UNAVAILABLE with the NEF's Retry-After, else 5 s", () => {
    for (const status of [401, 400, 409, 415, 500, 502]) {
      assert.deepEqual(seen(errorForAnswer("create", answer(status))), {
        status: 503,
        code: "UNAVAILABLE",
        retryAfter: "5",
      });
    }
    assert.equal(errorForAnswer("list", answer(503, null, "30")).headers["retry-after"], "30");
    assert.equal(errorForAnswer("release", answer(429, null, "7")).headers["retry-after"], "7");
  });

  test("an extension the NEF refuses, or of a subscription it lost, is 409 SESSION_EXTENSION_NOT_ALLOWED", () => {
    for (const status of [403, 404]) {
      assert.deepEqual(seen(errorForAnswer("extend", answer(status))), {
        status: 409,
        code: "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
        retryAfter: undefined,
      });
    }
  });
});

describe("the QoS references file", () => {
  const write = async (text: string) => {
    const file = join(await mkdtemp(join(tmpdir(), "openqod-qosref-")), "refs.json");
    await writeFile(file, text);
    return file;
  };
  const problemsOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.problems;
    }
    assert.fail("expected a ConfigError");
  };

  test("maps profiles to qosReference", async () => {
    const refs = await loadQosReferences(await write('{"QOS_E": "qod-e", "QOS_L": "gold"}'), [
      "QOS_E",
      "QOS_L",
    ]);
    assert.deepEqual(
      [...refs],
      [
        ["QOS_E", "qod-e"],
        ["QOS_L", "gold"],
      ],
    );
  });

  test("an unknown profile, a bad value, bad JSON and a missing file are named", async () => {
    const file = await write('{"QOS_X": "x", "QOS_E": 7}');
    assert.deepEqual(await problemsOf(loadQosReferences(file, ["QOS_E"])), [
      `the QoS references file (OPENQOD_NEF_QOS_REFERENCES) ${file} names QOS_X, which is not a QoS profile`,
      `the QoS references file (OPENQOD_NEF_QOS_REFERENCES) ${file}: the qosReference of QOS_E must be a non-empty string`,
    ]);
    const array = await write("[]");
    assert.deepEqual(await problemsOf(loadQosReferences(array, ["QOS_E"])), [
      `the QoS references file (OPENQOD_NEF_QOS_REFERENCES) ${array} must be a JSON object of profile name to qosReference`,
    ]);
    const broken = await write("{");
    const [json] = await problemsOf(loadQosReferences(broken, ["QOS_E"]));
    assert.match(
      json ?? "",
      /^the QoS references file \(OPENQOD_NEF_QOS_REFERENCES\) .* is not valid JSON: /,
    );
    const [missing] = await problemsOf(loadQosReferences("/nonexistent/refs.json", ["QOS_E"]));
    assert.match(
      missing ?? "",
      /^cannot read the QoS references file \(OPENQOD_NEF_QOS_REFERENCES\) \/nonexistent\/refs\.json: ENOENT/,
    );
  });
});

describe("NEF call logs", () => {
  const attempt = {
    operation: "create",
    method: "POST",
    attempt: 1,
    durationMs: 12.345,
    retried: false,
  } as const;

  test("a 2xx at debug, a failure at warn, a refused token at error; operation, status, ms, never a URL", () => {
    assert.deepEqual(nefAttemptLine({ ...attempt, status: 201, outcome: "2xx", error: null }), {
      level: "debug",
      fields: {
        operation: "create",
        method: "POST",
        status: 201,
        outcome: "2xx",
        attempt: 1,
        retried: false,
        ms: 12.35,
      },
      message: "NEF call",
    });
    const timeout = nefAttemptLine({ ...attempt, status: null, outcome: "timeout", error: "timed out" });
    assert.equal(timeout.level, "warn");
    assert.equal(timeout.fields.error, "timed out");
    const refused = nefAttemptLine({ ...attempt, status: 401, outcome: "4xx", error: null });
    assert.equal(refused.level, "error");
    assert.match(refused.message, /OPENQOD_NEF_TOKEN/);
    assert.ok(!("url" in refused.fields));
    assert.equal(
      nefAttemptLine({ ...attempt, status: 401, outcome: "4xx", error: null, retried: true }).level,
      "warn",
      "a 401 that leads to a new token is not yet an error",
    );
  });
});
