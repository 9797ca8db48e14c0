import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UndiciSender } from "../src/delivery/sender.ts";
import { isNonPublicAddress } from "../src/domain/ip.ts";
import { createHarness, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";

describe("sinks outside the sandbox (SSRF guard)", () => {
  test("knows non-public addresses, including IPv4-mapped IPv6", () => {
    const nonPublic = [
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
      "[::1]",
    ];
    const isPublic = ["8.8.8.8", "203.0.113.7", "2001:4860:4860::8888", "172.32.0.1"];
    for (const a of nonPublic) assert.equal(isNonPublicAddress(a), true, a);
    for (const a of isPublic) assert.equal(isNonPublicAddress(a), false, a);
  });

  test("a sink on a private, loopback or link-local host is 400 INVALID_SINK; a public one is accepted", async () => {
    const h = await createHarness({ OPENQOD_SANDBOX: "false" });
    try {
      const key = await h.newClient("operator-app");
      let n = 0;
      for (const sink of [
        "https://10.0.0.8/n",
        "https://localhost/n",
        "https://[::1]/n",
        "https://169.254.169.254/latest",
        "http://127.0.0.1:8080/n",
      ]) {
        const res = await h.request(
          "POST",
          "/quality-on-demand/v1/sessions",
          sessionBody({ device: { phoneNumber: `+3670000${++n}00` }, sink }),
          { key },
        );
        assert.equal(res.statusCode, 400, sink);
        assert.equal(res.json().code, "INVALID_SINK", sink);
      }
      const ok = await h.request(
        "POST",
        "/quality-on-demand/v1/sessions",
        sessionBody({ sink: "https://app.example.com/qod" }),
        { key },
      );
      assert.equal(ok.statusCode, 201);
      // No sandbox: no simulator controls, and no sandbox key.
      const terminate = await h.request(
        "POST",
        "/sandbox/v1/sessions/00000000-0000-4000-8000-000000000000/network-terminate",
        undefined,
        { key },
      );
      assert.equal(terminate.statusCode, 404);
      assert.equal((await h.request("POST", "/qos-profiles/v1/retrieve-qos-profiles", {})).statusCode, 401);
    } finally {
      await h.close();
    }
  });

  test("at connect time, a name that resolves to a non-public address is refused", async () => {
    const receiver = await TestReceiver.start();
    const guarded = new UndiciSender({ publicOnly: true });
    const open = new UndiciSender();
    try {
      const url = `http://localhost:${receiver.port}/n`;
      await assert.rejects(guarded.send(url, {}, "{}", 2_000), /non-public address/);
      assert.equal(receiver.requests.length, 0);
      assert.equal((await open.send(url, {}, "{}", 2_000)).statusCode, 204);
    } finally {
      await guarded.close();
      await open.close();
      await receiver.close();
    }
  });
});
