import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import {
  AsSessionWithQoSSubscription,
  AsSessionWithQoSSubscriptionPatch,
  Ipv4Addr,
  Ipv6Addr,
  MacAddr48,
} from "../src/nef/wire.ts";

describe("the TS 29.122 wire schemas", () => {
  test("Ipv4Addr takes dotted decimal only", () => {
    assert.equal(Value.Check(Ipv4Addr, "198.51.100.1"), true);
    assert.equal(Value.Check(Ipv4Addr, "198.51.100.256"), false);
    assert.equal(Value.Check(Ipv4Addr, "198.51.100.01"), false);
  });

  test("Ipv6Addr takes RFC 5952 text and refuses upper case, leading zeros and mixed notation", () => {
    for (const good of ["2001:db8::1", "::1", "::", "2001:db8:85a3::8a2e:370:7334", "fe80:0:0:0:0:0:0:1"]) {
      assert.equal(Value.Check(Ipv6Addr, good), true, good);
    }
    for (const bad of ["2001:DB8::1", "2001:0db8::1", "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8:9", "2001:db8"]) {
      assert.equal(Value.Check(Ipv6Addr, bad), false, bad);
    }
  });

  test("MacAddr48 takes dash-separated hexadecimal", () => {
    assert.equal(Value.Check(MacAddr48, "3a-00-00-00-00-01"), true);
    assert.equal(Value.Check(MacAddr48, "3a:00:00:00:00:01"), false);
  });

  test("a subscription needs notificationDestination and takes no unknown attribute", () => {
    const body = {
      notificationDestination: "http://127.0.0.1/n",
      ueIpv4Addr: "203.0.113.5",
      qosReference: "qos-e",
    };
    assert.equal(Value.Check(AsSessionWithQoSSubscription, body), true);
    assert.equal(Value.Check(AsSessionWithQoSSubscription, { ueIpv4Addr: "203.0.113.5" }), false);
    assert.equal(Value.Check(AsSessionWithQoSSubscription, { ...body, colour: "red" }), false);
    assert.equal(Value.Check(AsSessionWithQoSSubscription, { ...body, events: ["NO_SUCH_EVENT"] }), false);
  });

  test("a patch may null the duration but not make it negative", () => {
    assert.equal(Value.Check(AsSessionWithQoSSubscriptionPatch, { usageThreshold: { duration: 600 } }), true);
    assert.equal(
      Value.Check(AsSessionWithQoSSubscriptionPatch, { usageThreshold: { duration: null } }),
      true,
    );
    assert.equal(Value.Check(AsSessionWithQoSSubscriptionPatch, { usageThreshold: { duration: -1 } }), false);
  });
});
