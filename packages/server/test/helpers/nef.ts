import { NefEmulator, type NefEmulatorOptions } from "../../src/nef-emulator/index.ts";

/** A valid create body for the emulator, as OpenQoD sends it; `overrides` replace or (undefined) remove attributes. */
export function subscriptionBody(
  notificationDestination: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    supportedFeatures: "0",
    notificationDestination,
    ueIpv4Addr: "203.0.113.5",
    flowInfo: [
      {
        flowId: 1,
        flowDescriptions: [
          "permit out ip from 198.51.100.1 443 to 203.0.113.5",
          "permit in ip from 203.0.113.5 to 198.51.100.1 443",
        ],
      },
    ],
    qosReference: "qos-e",
    usageThreshold: { duration: 60 },
    events: [
      "SESSION_TERMINATION",
      "QOS_GUARANTEED",
      "QOS_NOT_GUARANTEED",
      "SUCCESSFUL_RESOURCES_ALLOCATION",
      "FAILED_RESOURCES_ALLOCATION",
    ],
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete body[key];
    else body[key] = value;
  }
  return body;
}

export interface NefAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null for an empty body. */
  json: unknown;
}

/** One HTTP call to the emulator; `body` is sent as JSON unless it is a string. */
export async function call(
  url: string,
  options: {
    method?: string;
    body?: unknown;
    contentType?: string;
    token?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<NefAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, {
    method: options.method ?? "GET",
    headers,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === "" ? null : JSON.parse(text) };
}

/** Starts an emulator on 127.0.0.1 for a test; `close()` it in `after`. */
export async function startEmulator(options: NefEmulatorOptions = {}): Promise<NefEmulator> {
  const emulator = new NefEmulator(options);
  await emulator.start();
  return emulator;
}
