import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Fastify from "fastify";
import { installErrorHandling } from "../src/http/error-handler.ts";
import { createHarness, type Harness, sessionBody } from "./helpers/harness.ts";

const V1 = "/quality-on-demand/v1";
const V0 = "/qod/v0";
const ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

const E164 =
  "must be a phone number in E.164 format: a + and 5 to 15 digits, the first not 0, e.g. +36721601234567";
const IPV4 = "must be an IPv4 address, e.g. 203.0.113.1";
const IPV6 = "must be an IPv6 address, e.g. 2001:db8::1";
const URL_WORDS = "must be an absolute URL, e.g. https://app.example.com/notifications";
const PROFILE = 'must be 3 to 256 characters: letters, digits, "_", ".", "-"';
const SECONDS = "must be a whole number of seconds";
const PORT = "must be a port number from 0 to 65535";
const UUID = "sessionId must be a UUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6";
const DEVICE_TAKES = "phoneNumber, ipv4Address, ipv6Address or networkAccessIdentifier";

interface Case {
  title: string;
  method: "GET" | "POST" | "DELETE";
  url: string;
  body?: unknown;
  message: string;
}

/** A bad `device` and the message, for every operation that takes a device. */
const deviceCases: Array<[unknown, string]> = [
  [{}, `device: give at least one of ${DEVICE_TAKES}`],
  ["+36721601234567", "device must be an object"],
  [{ phoneNumber: "36721601234567" }, `device.phoneNumber ${E164}`],
  [{ phoneNumber: 36_721_601_234_567 }, `device.phoneNumber ${E164}`],
  [{ phoneNumber: "+0123456789" }, `device.phoneNumber ${E164}`],
  [{ phoneNumber: "+1234" }, `device.phoneNumber ${E164}`],
  [{ phoneNumber: "+1234567890123456" }, `device.phoneNumber ${E164}`],
  [{ networkAccessIdentifier: "" }, "device.networkAccessIdentifier must not be empty"],
  [
    { networkAccessIdentifier: `${"a".repeat(251)}@x.com` },
    "device.networkAccessIdentifier must be at most 256 characters long",
  ],
  [{ ipv4Address: {} }, "device.ipv4Address.publicAddress is required"],
  [{ ipv4Address: "203.0.113.1" }, "device.ipv4Address must be an object"],
  [
    { ipv4Address: { publicAddress: "300.1.1.1", publicPort: 1 } },
    `device.ipv4Address.publicAddress ${IPV4}`,
  ],
  [
    { ipv4Address: { publicAddress: "203.0.113.1", privateAddress: "10.0.0" } },
    `device.ipv4Address.privateAddress ${IPV4}`,
  ],
  [
    { ipv4Address: { publicAddress: "203.0.113.1", publicPort: 65_536 } },
    "device.ipv4Address.publicPort must be at most 65535",
  ],
  [
    { ipv4Address: { publicAddress: "203.0.113.1", publicPort: -1 } },
    "device.ipv4Address.publicPort must be at least 0",
  ],
  [
    { ipv4Address: { publicAddress: "203.0.113.1", publicPort: "80" } },
    `device.ipv4Address.publicPort ${PORT}`,
  ],
  [
    { ipv4Address: { publicAddress: "203.0.113.1", publicPort: 80, mask: 24 } },
    "device.ipv4Address.mask is not a known property; device.ipv4Address accepts publicAddress, privateAddress or publicPort",
  ],
  [{ ipv6Address: "2001:db8::g" }, `device.ipv6Address ${IPV6}`],
  [
    { phoneNumber: "+3670123456", imei: "1" },
    `device.imei is not a known property; device accepts ${DEVICE_TAKES}`,
  ],
];

const applicationServerCases: Array<[unknown, string]> = [
  [undefined, "applicationServer is required"],
  [{}, "applicationServer: give at least one of ipv4Address or ipv6Address"],
  [
    { ipv4Address: 233_252_0_2 },
    "applicationServer.ipv4Address must be an IPv4 address or prefix, e.g. 233.252.0.2 or 233.252.0.0/24",
  ],
  [
    { ipv4Address: "233.252.000.002/024" },
    "applicationServer.ipv4Address must be an IPv4 address or prefix, e.g. 233.252.0.2 or 233.252.0.0/24",
  ],
  [
    { ipv6Address: `2001:db8:${"0000:".repeat(7)}1/64` },
    "applicationServer.ipv6Address must be an IPv6 address or prefix, e.g. 2001:db8::1 or 2001:db8::/64",
  ],
  [
    { ipv4Address: "233.252.0.2", fqdn: "app.example.com" },
    "applicationServer.fqdn is not a known property; applicationServer accepts ipv4Address or ipv6Address",
  ],
];

/** `field` is devicePorts or applicationServerPorts. */
const portsCases = (field: string): Array<[unknown, string]> => [
  [{}, `${field}: give at least one of ranges or ports`],
  [[5060], `${field} must be an object`],
  [{ ports: 5060 }, `${field}.ports must be a list`],
  [{ ports: [] }, `${field}.ports must have at least 1 item`],
  [{ ports: [65_536] }, `${field}.ports[0] must be at most 65535`],
  [{ ports: [80, "443"] }, `${field}.ports[1] ${PORT}`],
  [{ ranges: [] }, `${field}.ranges must have at least 1 item`],
  [{ ranges: [{ from: 5010 }] }, `${field}.ranges[0].to is required`],
  [{ ranges: [{ from: -1, to: 5020 }] }, `${field}.ranges[0].from must be at least 0`],
  [
    { ranges: [{ from: 1, to: 2, step: 1 }] },
    `${field}.ranges[0].step is not a known property; ${field}.ranges[0] accepts from or to`,
  ],
  [{ list: [1] }, `${field}.list is not a known property; ${field} accepts ranges or ports`],
];

const qosProfileCases: Array<[unknown, string]> = [
  [undefined, "qosProfile is required"],
  ["QL", `qosProfile ${PROFILE}`],
  ["QOS L", `qosProfile ${PROFILE}`],
  ["QOS_Ł", `qosProfile ${PROFILE}`],
  [5, `qosProfile ${PROFILE}`],
  ["Q".repeat(257), `qosProfile ${PROFILE}`],
];

const durationCases: Array<[unknown, string]> = [
  ["3600", `duration ${SECONDS}`],
  [3600.5, `duration ${SECONDS}`],
  [2 ** 31, "duration must be at most 2147483647"],
  [-(2 ** 31) - 1, "duration must be at least -2147483648"],
];

const sinkCredential = (extra: Record<string, unknown>) => ({
  credentialType: "ACCESSTOKEN",
  accessToken: "t",
  accessTokenExpiresUtc: "2030-01-01T00:00:00Z",
  accessTokenType: "bearer",
  ...extra,
});
const CREDENTIAL_TAKES =
  "credentialType, accessToken, accessTokenExpiresUtc, accessTokenType, identifier, secret, refreshToken or refreshTokenEndpoint";

const v1Only: Array<[Record<string, unknown>, string]> = [
  [{ duration: undefined }, "duration is required"],
  [{ sink: 1 }, `sink ${URL_WORDS}`],
  [{ sink: "not a url" }, `sink ${URL_WORDS}`],
  [{ sink: `https://a.example/${"n".repeat(2040)}` }, "sink must be at most 2048 characters long"],
  [{ sinkCredential: "token" }, "sinkCredential must be an object"],
  [{ sinkCredential: {} }, "sinkCredential.credentialType is required"],
  [
    { sinkCredential: sinkCredential({ credentialType: "OAUTH" }) },
    "sinkCredential.credentialType must be one of PLAIN, ACCESSTOKEN or REFRESHTOKEN",
  ],
  [{ sinkCredential: sinkCredential({ accessToken: "" }) }, "sinkCredential.accessToken must not be empty"],
  [
    { sinkCredential: sinkCredential({ accessToken: "t".repeat(4097) }) },
    "sinkCredential.accessToken must be at most 4096 characters long",
  ],
  [
    { sinkCredential: sinkCredential({ accessTokenExpiresUtc: "2030-01-01" }) },
    "sinkCredential.accessTokenExpiresUtc must be a date and time with a time zone, e.g. 2030-01-01T12:00:00Z",
  ],
  [
    { sinkCredential: sinkCredential({ accessTokenType: 1 }) },
    "sinkCredential.accessTokenType must be a string",
  ],
  [{ sinkCredential: sinkCredential({ identifier: 1 }) }, "sinkCredential.identifier must be a string"],
  [{ sinkCredential: sinkCredential({ secret: 1 }) }, "sinkCredential.secret must be a string"],
  [{ sinkCredential: sinkCredential({ refreshToken: 1 }) }, "sinkCredential.refreshToken must be a string"],
  [
    { sinkCredential: sinkCredential({ refreshTokenEndpoint: 1 }) },
    "sinkCredential.refreshTokenEndpoint must be a string",
  ],
  [
    { sinkCredential: sinkCredential({ scope: "qod" }) },
    `sinkCredential.scope is not a known property; sinkCredential accepts ${CREDENTIAL_TAKES}`,
  ],
  [
    { colour: "blue" },
    "colour is not a known property; the request body accepts device, applicationServer, devicePorts, applicationServerPorts, qosProfile, sink, sinkCredential or duration",
  ],
];

const v0Body = (overrides: Record<string, unknown> = {}) => {
  const { duration: _, ...body } = sessionBody();
  return { ...body, ...overrides };
};

const v0Only: Array<[Record<string, unknown>, string]> = [
  [{ webhook: "https://a.example/n" }, "webhook must be an object"],
  [{ webhook: {} }, "webhook.notificationUrl is required"],
  [{ webhook: { notificationUrl: "not a url" } }, `webhook.notificationUrl ${URL_WORDS}`],
  [
    { webhook: { notificationUrl: "https://a.example/n", notificationAuthToken: "" } },
    "webhook.notificationAuthToken must not be empty",
  ],
  [
    { webhook: { notificationUrl: "https://a.example/n", notificationAuthToken: "t".repeat(4097) } },
    "webhook.notificationAuthToken must be at most 4096 characters long",
  ],
  [
    { webhook: { notificationUrl: "https://a.example/n", extra: 1 } },
    "webhook.extra is not a known property; webhook accepts notificationUrl or notificationAuthToken",
  ],
  [
    { sink: "https://a.example/n" },
    "sink is not a known property; the request body accepts device, applicationServer, devicePorts, applicationServerPorts, qosProfile, duration or webhook",
  ],
];

const extendCases: Array<[unknown, string]> = [
  [{}, "requestedAdditionalDuration is required"],
  [{ requestedAdditionalDuration: "600" }, `requestedAdditionalDuration ${SECONDS}`],
  [{ requestedAdditionalDuration: 2 ** 31 }, "requestedAdditionalDuration must be at most 2147483647"],
  [
    { requestedAdditionalDuration: 600, unit: "s" },
    "unit is not a known property; the request body accepts requestedAdditionalDuration",
  ],
  [[600], "The request body must be an object"],
];

function allCases(): Case[] {
  const cases: Case[] = [];
  const add = (title: string, method: Case["method"], url: string, body: unknown, message: string) =>
    cases.push({ title: title.slice(0, 70), method, url, ...(body === undefined ? {} : { body }), message });

  for (const [create, base] of [
    [`${V1}/sessions`, sessionBody],
    [`${V0}/sessions`, v0Body],
  ] as const) {
    for (const [device, message] of deviceCases)
      add(`device ${JSON.stringify(device)}`, "POST", create, base({ device }), message);
    for (const [server, message] of applicationServerCases)
      add(
        `applicationServer ${JSON.stringify(server)}`,
        "POST",
        create,
        base({ applicationServer: server }),
        message,
      );
    for (const field of ["devicePorts", "applicationServerPorts"])
      for (const [ports, message] of portsCases(field))
        add(`${field} ${JSON.stringify(ports)}`, "POST", create, base({ [field]: ports }), message);
    for (const [qosProfile, message] of qosProfileCases)
      add(`qosProfile ${JSON.stringify(qosProfile)}`, "POST", create, base({ qosProfile }), message);
    for (const [duration, message] of durationCases)
      add(`duration ${JSON.stringify(duration)}`, "POST", create, base({ duration }), message);
    add("a body that is a list", "POST", create, [base()], "The request body must be an object");
  }
  for (const [overrides, message] of v1Only)
    add(JSON.stringify(overrides).slice(0, 80), "POST", `${V1}/sessions`, sessionBody(overrides), message);
  for (const [overrides, message] of v0Only)
    add(JSON.stringify(overrides).slice(0, 80), "POST", `${V0}/sessions`, v0Body(overrides), message);

  for (const base of [V1, V0]) {
    for (const [body, message] of extendCases)
      add(`extend ${JSON.stringify(body)}`, "POST", `${base}/sessions/${ID}/extend`, body, message);
    for (const [device, message] of deviceCases)
      add(
        `retrieve-sessions device ${JSON.stringify(device)}`,
        "POST",
        `${base}/retrieve-sessions`,
        { device },
        message,
      );
    add(
      "retrieve-sessions unknown property",
      "POST",
      `${base}/retrieve-sessions`,
      { phoneNumber: "+36721601234567" },
      "phoneNumber is not a known property; the request body accepts device",
    );
    for (const [method, path] of [
      ["GET", `${base}/sessions/123`],
      ["DELETE", `${base}/sessions/not-a-uuid`],
      ["POST", `${base}/sessions/${ID.slice(1)}/extend`],
    ] as const)
      add(
        `${method} ${path}`,
        method,
        path,
        method === "POST" ? { requestedAdditionalDuration: 60 } : undefined,
        UUID,
      );
  }

  const profiles = "/qos-profiles/v1/retrieve-qos-profiles";
  for (const [device, message] of deviceCases)
    add(`retrieve-qos-profiles device ${JSON.stringify(device)}`, "POST", profiles, { device }, message);
  add("retrieve-qos-profiles name too short", "POST", profiles, { name: "QL" }, `name ${PROFILE}`);
  add("retrieve-qos-profiles name with a space", "POST", profiles, { name: "QOS L" }, `name ${PROFILE}`);
  add(
    "retrieve-qos-profiles status",
    "POST",
    profiles,
    { status: "GONE" },
    "status must be one of ACTIVE, INACTIVE or DEPRECATED",
  );
  add(
    "retrieve-qos-profiles unknown property",
    "POST",
    profiles,
    { profile: "QOS_L" },
    "profile is not a known property; the request body accepts device, name or status",
  );
  add(
    "qos-profiles/{name} too short",
    "GET",
    "/qos-profiles/v1/qos-profiles/QL",
    undefined,
    `name ${PROFILE}`,
  );
  add(
    "qos-profiles/{name} with a space",
    "GET",
    "/qos-profiles/v1/qos-profiles/QOS%20L",
    undefined,
    `name ${PROFILE}`,
  );
  return cases;
}

describe("validation messages in plain words", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  const cases = allCases();
  for (const { title, method, url, body, message } of cases) {
    test(`${method} ${url}: ${title} → ${message}`, async () => {
      const res = await h.request(
        method,
        url,
        body === undefined ? undefined : JSON.parse(JSON.stringify(body)),
      );
      assert.equal(res.statusCode, 400, res.body);
      assert.deepEqual(res.json(), { status: 400, code: "INVALID_ARGUMENT", message });
    });
  }

  test("a bad x-correlator is described in words, not as its pattern", async () => {
    const res = await h.request("GET", "/health", undefined, { headers: { "x-correlator": "a b" } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), {
      status: 400,
      code: "INVALID_ARGUMENT",
      message: "x-correlator must be at most 256 characters: letters, digits and - _ : ; . / < > { }",
    });
  });

  test("no message speaks regex or validator: no ^ $ \\d [ (but an index), must NOT, must match, should", async () => {
    const jargon = [
      /\^/,
      /\$/,
      /\\d/,
      /\[(?!\d+\])/,
      /must NOT/,
      /must match/,
      /should/,
      /must have required/,
      /body[./]/,
    ];
    const messages = [...new Set(cases.map((c) => c.message))];
    assert.ok(messages.length > 60, `${messages.length} distinct messages`);
    for (const message of messages)
      for (const word of jargon) assert.doesNotMatch(message, word, `"${message}" speaks ${word}`);
  });

  test("every pattern in the OpenAPI document carries the words its message uses (x-expected)", async () => {
    const doc = (await h.request("GET", "/openapi.json", undefined, { key: null })).json();
    const unworded: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (typeof node === "object" && node !== null) {
        const schema = node as Record<string, unknown>;
        if (typeof schema.pattern === "string" && typeof schema["x-expected"] !== "string")
          unworded.push(where);
        for (const [key, value] of Object.entries(schema)) walk(value, `${where}/${key}`);
      }
    };
    walk(doc, "#");
    assert.deepEqual(unworded, []);
  });
});

describe("every schema keyword has words, even ones OpenQoD's schemas do not use yet", () => {
  const app = Fastify({ ajv: { customOptions: { verbose: true, coerceTypes: false, allErrors: false } } });
  before(async () => {
    installErrorHandling(app);
    app.post(
      "/x",
      {
        schema: {
          body: {
            type: "object",
            additionalProperties: false,
            maxProperties: 3,
            properties: {
              ratio: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
              step: { type: "integer", multipleOf: 5 },
              tags: { type: "array", items: { type: "string" }, maxItems: 2, uniqueItems: true },
              mode: { const: "fast" },
              flag: { type: "boolean" },
              either: { anyOf: [{ type: "integer" }, { type: "string", format: "ipv4" }] },
              code: { type: "string", pattern: "^[A-Z]{3}$" },
              not: { not: { type: "string" } },
            },
          },
        },
      },
      async () => ({ ok: true }),
    );
    await app.ready();
  });
  after(() => app.close());

  const cases: Array<[unknown, string]> = [
    [{ ratio: 0 }, "ratio must be greater than 0"],
    [{ ratio: 1 }, "ratio must be less than 1"],
    [{ step: 7 }, "step must be a multiple of 5"],
    [{ tags: ["a", "b", "c"] }, "tags must have at most 2 items"],
    [{ tags: ["a", "a"] }, "tags must not list the same item twice"],
    [{ mode: "slow" }, "mode must be fast"],
    [{ flag: "yes" }, "flag must be true or false"],
    [{ either: 1.5 }, "either must be a whole number or an IPv4 address, e.g. 203.0.113.1"],
    [{ code: "abc" }, "code is not in a form this API accepts"],
    [{ not: "x" }, "not is not in a form this API accepts"],
    [
      { ratio: 0.5, step: 5, flag: true, mode: "fast" },
      "The request body: give at most 3 of ratio, step, tags, mode, flag, either, code or not",
    ],
  ];
  for (const [body, message] of cases) {
    test(`${JSON.stringify(body)} → ${message}`, async () => {
      const res = await app.inject({ method: "POST", url: "/x", payload: body as object });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { status: 400, code: "INVALID_ARGUMENT", message });
    });
  }
});
