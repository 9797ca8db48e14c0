import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { deviceFromHint } from "../src/auth/device-hint.ts";
import { type ClaimMapping, readClaims } from "../src/auth/external-claims.ts";
import { nameFor } from "../src/auth/external-clients.ts";

const DEFAULTS: ClaimMapping = { scopeClaim: "scope", clientClaim: "client_id", deviceClaim: "device" };
const READ = "quality-on-demand:sessions:read";
const CREATE = "quality-on-demand:sessions:create";

describe("what OpenQoD reads from an external IdP's token", () => {
  test("scopes: a space-separated string or an array claim (scp); only the scopes OpenQoD knows", () => {
    const fromString = readClaims({ client_id: "app", scope: `${READ} openid other:thing` }, DEFAULTS);
    assert.ok(!("invalid" in fromString));
    assert.deepEqual([...fromString.scopes], [READ]);
    const fromArray = readClaims(
      { client_id: "app", scp: [CREATE, READ, "x"] },
      { ...DEFAULTS, scopeClaim: "scp" },
    );
    assert.ok(!("invalid" in fromArray));
    assert.deepEqual([...fromArray.scopes], [CREATE, READ]);
    assert.deepEqual(readClaims({ client_id: "app", scope: 42 }, DEFAULTS), {
      invalid: "The access token's scope claim is neither a space-separated string nor an array of strings.",
    });
  });

  test("the client: client_id, else azp; none is a refusal", () => {
    const azp = readClaims({ azp: "from-azp" }, DEFAULTS);
    assert.ok(!("invalid" in azp));
    assert.equal(azp.client, "from-azp");
    const custom = readClaims({ appid: "custom", azp: "ignored" }, { ...DEFAULTS, clientClaim: "appid" });
    assert.ok(!("invalid" in custom));
    assert.equal(custom.client, "custom");
    assert.deepEqual(readClaims({ sub: "someone" }, DEFAULTS), {
      invalid:
        "The access token names no client: it needs a client_id (or azp) claim of 1 to 256 characters.",
    });
  });

  test("no device claim configured: a device in the token is not read (two-legged)", () => {
    const claims = readClaims(
      { client_id: "app", device: "tel:+36721601234567" },
      { ...DEFAULTS, deviceClaim: null },
    );
    assert.ok(!("invalid" in claims));
    assert.equal(claims.device, null);
  });

  test("device hints: Device objects and tel:, ipv4:, ipv6: strings, reduced to the identifier OpenQoD acts on", () => {
    assert.deepEqual(deviceFromHint("tel:+36721601234567"), { phoneNumber: "+36721601234567" });
    assert.deepEqual(deviceFromHint("ipv4:203.0.113.7"), {
      ipv4Address: { publicAddress: "203.0.113.7", privateAddress: "203.0.113.7" },
    });
    assert.deepEqual(deviceFromHint("ipv4:203.0.113.7:5000"), {
      ipv4Address: { publicAddress: "203.0.113.7", publicPort: 5000 },
    });
    assert.deepEqual(deviceFromHint("ipv6:2001:db8::1"), { ipv6Address: "2001:db8::1" });
    assert.deepEqual(deviceFromHint({ phoneNumber: "+36721601234567", ipv6Address: "2001:db8::1" }), {
      phoneNumber: "+36721601234567",
    });
  });

  test("device hints that name no usable device are refused with the reason", () => {
    const reason = (value: unknown) => {
      const device = deviceFromHint(value);
      assert.ok("invalid" in device, JSON.stringify(value));
      return device.invalid;
    };
    assert.match(reason("tel:36721601234567"), /phoneNumber/);
    assert.match(reason("ipv4:300.1.1.1"), /300\.1\.1\.1 is not an IPv4 address/);
    assert.match(reason("ipv4:203.0.113.7:99999"), /publicPort/);
    assert.match(reason("ipv6:203.0.113.7"), /is not an IPv6 address/);
    assert.match(reason("fax:+3612345678"), /must start with tel:, ipv4: or ipv6:/);
    assert.match(
      reason({ ipv4Address: { publicAddress: "203.0.113.7" } }),
      /privateAddress and\/or publicPort/,
    );
    assert.match(reason({ networkAccessIdentifier: "x@example.com" }), /not supported on its own/);
    assert.match(reason({ imsi: "1" }), /./);
    assert.match(reason(7), /./);
  });

  test("an IdP client's OpenQoD name: idp:<client id> when plain and short, else cut with a hash", () => {
    assert.equal(nameFor("app-1.prod_eu", null), "idp:app-1.prod_eu");
    const odd = nameFor("spiffe://tenant/app one", null);
    assert.match(odd, /^idp:spiffe___tenant_app_one\.[0-9a-f]{12}$/);
    assert.notEqual(nameFor("a b", null), nameFor("a_b", null), "two ids never share a name");
    assert.ok(nameFor("x".repeat(300), null).length <= 4 + 64);
    assert.match(nameFor("app-1", "ext:1234"), /^idp:app-1\.[0-9a-f]{12}$/);
  });
});
