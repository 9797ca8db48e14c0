import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, test } from "node:test";
import { nextAttemptAt, parseRetryAfter } from "../src/delivery/retry-policy.ts";
import { flowsOverlap, parseFlow } from "../src/domain/flow.ts";
import { isLoopbackHost, parseAddressRange } from "../src/domain/ip.ts";
import { ERRORS } from "../src/errors.ts";

describe("IP addresses and prefixes", () => {
  test("parses addresses and prefixes into ranges", () => {
    assert.deepEqual(parseAddressRange("198.51.100.7/24"), {
      version: 4,
      first: 0xc6336400n,
      last: 0xc63364ffn,
    });
    assert.deepEqual(parseAddressRange("2001:db8::/32"), {
      version: 6,
      first: 0x20010db8n << 96n,
      last: (0x20010db8n << 96n) | ((1n << 96n) - 1n),
    });
    assert.equal(parseAddressRange("::ffff:1.2.3.4")?.first, 0xffff01020304n);
  });

  test("rejects bad addresses and prefixes", () => {
    for (const bad of [
      "1.2.3.4/33",
      "1.2.3.4/",
      "1.2.3.4/-1",
      "::1/129",
      "1.2.3",
      "fe80::1%eth0",
      "1.2.3.4/2a",
    ]) {
      assert.equal(parseAddressRange(bad), null, bad);
    }
    assert.equal(parseAddressRange("2001:db8::1", 4), null);
  });

  test("knows loopback hosts", () => {
    assert.deepEqual(
      ["127.0.0.1", "127.9.9.9", "[::1]", "localhost", "10.0.0.1", "example.com"].map(isLoopbackHost),
      [true, true, true, true, false, false],
    );
  });
});

describe("flows", () => {
  const flow = (server: string, serverPorts?: number[], devicePorts?: number[]) =>
    parseFlow(
      server.includes(":") ? { ipv6Address: server } : { ipv4Address: server },
      devicePorts ? { ports: devicePorts } : null,
      serverPorts ? { ports: serverPorts } : null,
    );

  test("overlap needs shared addresses and shared ports on both ends", () => {
    assert.ok(flowsOverlap(flow("10.0.0.0/8"), flow("10.1.2.3")));
    assert.ok(!flowsOverlap(flow("10.0.0.0/8"), flow("11.0.0.1")));
    assert.ok(!flowsOverlap(flow("10.0.0.1", [80]), flow("10.0.0.1", [443])));
    assert.ok(flowsOverlap(flow("10.0.0.1", [80]), flow("10.0.0.1")));
    assert.ok(!flowsOverlap(flow("10.0.0.1", undefined, [5000]), flow("10.0.0.1", undefined, [5001])));
    assert.ok(!flowsOverlap(flow("10.0.0.1"), flow("::a00:1")), "IPv4 and IPv6 never overlap");
  });
});

describe("retry policy", () => {
  const policy = { scheduleMs: [0, 5_000, 300_000], jitter: 0.1 };
  test("follows the schedule, spread by jitter, and ends when it is used up", () => {
    assert.equal(
      nextAttemptAt(policy, 1, 1_000, null, () => 0.5),
      6_000,
    );
    assert.equal(
      nextAttemptAt(policy, 1, 1_000, null, () => 0),
      5_500,
    );
    assert.equal(
      nextAttemptAt(policy, 1, 1_000, null, () => 1),
      6_500,
    );
    assert.equal(
      nextAttemptAt(policy, 2, 0, null, () => 0.5),
      300_000,
    );
    assert.equal(
      nextAttemptAt(policy, 3, 0, null, () => 0.5),
      null,
    );
  });
  test("Retry-After is a floor", () => {
    assert.equal(
      nextAttemptAt(policy, 1, 0, 60_000, () => 0.5),
      60_000,
    );
    assert.equal(
      nextAttemptAt(policy, 1, 0, 1_000, () => 0.5),
      5_000,
    );
    assert.equal(parseRetryAfter("120", 0), 120_000);
    assert.equal(parseRetryAfter("Thu, 01 Jan 1970 00:01:00 GMT", 0), 60_000);
    assert.equal(parseRetryAfter("soon", 0), null);
  });
});

describe("error registry", () => {
  test("the README's error table lists every code under its status, and nothing else", async () => {
    const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
    const table = readme.slice(
      readme.indexOf("### Errors"),
      readme.indexOf("## ", readme.indexOf("### Errors") + 5),
    );
    const documented = new Map<string, string>();
    for (const [, statuses, codes] of table.matchAll(/^\| ([\d, ]+) \| (.+) \|$/gm)) {
      for (const [, code] of (codes ?? "").matchAll(/`([A-Z_.]+)`/g))
        documented.set(code ?? "", statuses ?? "");
    }
    assert.deepEqual([...documented.keys()].sort(), Object.keys(ERRORS).sort());
    for (const [code, { status }] of Object.entries(ERRORS)) {
      assert.ok(documented.get(code)?.includes(String(status)), `${code} is documented under ${status}`);
    }
  });
});
