import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { Agent, request } from "undici";
import { freePort } from "../../server/test/helpers/process.ts";
import { createTestPki } from "../../server/test/helpers/tls.ts";
import { openqod, startUntil } from "./run-cli.ts";

/** Spawns `openqod nef-emulator …` and waits (at most 20 s) for the settings line it prints. */
async function startEmulator(args: string[]) {
  const running = await startUntil(["nef-emulator", ...args], /OPENQOD_NETWORK=nef .*\n/, 20_000);
  const settings = Object.fromEntries(
    (/OPENQOD_NETWORK=nef .*/.exec(running.output())?.[0] ?? "")
      .split(" ")
      .map((pair) => pair.split("=", 2) as [string, string]),
  );
  return { ...running, settings };
}

describe("openqod nef-emulator", () => {
  test("prints the settings OpenQoD needs, answers a create with them, and stops on SIGTERM with exit 0", async () => {
    const port = await freePort();
    const nef = await startEmulator([
      "--port",
      String(port),
      "--scs-as-id",
      "qod-as",
      "--token",
      "cli-nef-token",
    ]);
    try {
      assert.deepEqual(nef.settings, {
        OPENQOD_NETWORK: "nef",
        OPENQOD_NEF_URL: `http://127.0.0.1:${port}`,
        OPENQOD_NEF_SCS_AS_ID: "qod-as",
        OPENQOD_NEF_TOKEN: "cli-nef-token",
      });
      const url = `${nef.settings.OPENQOD_NEF_URL}/3gpp-as-session-with-qos/v1/qod-as/subscriptions`;
      const created = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer cli-nef-token" },
        body: JSON.stringify({
          supportedFeatures: "0",
          notificationDestination: "http://127.0.0.1:9/n",
          ueIpv4Addr: "203.0.113.5",
          flowInfo: [{ flowId: 1, flowDescriptions: ["permit out ip from 198.51.100.1 to 203.0.113.5"] }],
          qosReference: "qos-e",
          events: ["SUCCESSFUL_RESOURCES_ALLOCATION"],
        }),
      });
      assert.equal(created.status, 201);
      const listed = (await (
        await fetch(`http://127.0.0.1:${port}/emulator/v1/subscriptions`)
      ).json()) as unknown[];
      assert.equal(listed.length, 1);
      assert.equal((await fetch(url)).status, 401);
      // Nothing listens on port 9: the allocation report fails after its 3 attempts, and says so.
      const deadline = Date.now() + 10_000;
      while (
        !/notify SUCCESSFUL_RESOURCES_ALLOCATION -> http:\/\/127\.0\.0\.1:9\/n FAILED ECONNREFUSED/.test(
          nef.output(),
        )
      ) {
        if (Date.now() > deadline) throw new Error(`no notification line: ${nef.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      nef.child.kill("SIGTERM");
      assert.equal(await nef.exited, 0);
      assert.match(nef.output(), /POST \/3gpp-as-session-with-qos\/v1\/qod-as\/subscriptions 201/);
    } finally {
      nef.child.kill("SIGKILL");
    }
  });

  test("with an OAuth2 client, prints the token URL and client settings instead of a token", async () => {
    const port = await freePort();
    const nef = await startEmulator([
      "--port",
      String(port),
      "--oauth-client-id",
      "qod",
      "--oauth-client-secret",
      "pw",
    ]);
    try {
      assert.equal(nef.settings.OPENQOD_NEF_OAUTH_TOKEN_URL, `http://127.0.0.1:${port}/oauth/token`);
      assert.deepEqual(
        [nef.settings.OPENQOD_NEF_OAUTH_CLIENT_ID, nef.settings.OPENQOD_NEF_OAUTH_CLIENT_SECRET],
        ["qod", "pw"],
      );
      assert.equal(nef.settings.OPENQOD_NEF_TOKEN, undefined);
      const token = await fetch(nef.settings.OPENQOD_NEF_OAUTH_TOKEN_URL ?? "", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials&client_id=qod&client_secret=pw",
      });
      assert.equal(token.status, 200);
      nef.child.kill("SIGINT");
      assert.equal(await nef.exited, 0);
    } finally {
      nef.child.kill("SIGKILL");
    }
  });

  test("serves HTTPS with --tls-cert and --tls-key", async () => {
    const pki = await createTestPki();
    const port = await freePort();
    const key = join(dirname(pki.caFile), "server.key");
    const cert = join(dirname(pki.caFile), "server.pem");
    const nef = await startEmulator([
      "--port",
      String(port),
      "--tls-cert",
      cert,
      "--tls-key",
      key,
      "--token",
      "t",
    ]);
    try {
      assert.equal(nef.settings.OPENQOD_NEF_URL, `https://127.0.0.1:${port}`);
      assert.match(nef.output(), /OPENQOD_NEF_CA_FILE=/);
      const trusted = new Agent({ connect: { ca: pki.ca } });
      const answer = await request(`https://127.0.0.1:${port}/emulator/v1/subscriptions`, {
        dispatcher: trusted,
      });
      assert.equal(answer.statusCode, 200);
      await answer.body.dump();
      await trusted.close();
      nef.child.kill("SIGTERM");
      assert.equal(await nef.exited, 0);
    } finally {
      nef.child.kill("SIGKILL");
      await pki.remove();
    }
  });

  test("a client id without its secret, a certificate without its key, an unreadable file or a bad port is a usage error (exit 2)", async () => {
    const half = await openqod(["nef-emulator", "--oauth-client-id", "qod"]);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--oauth-client-id and --oauth-client-secret go together/);
    assert.equal((await openqod(["nef-emulator", "--port", "x"])).code, 2);
    const halfTls = await openqod(["nef-emulator", "--tls-cert", "c.pem"]);
    assert.deepEqual([halfTls.code, /--tls-cert and --tls-key go together/.test(halfTls.stderr)], [2, true]);
    const missing = await openqod([
      "nef-emulator",
      "--tls-cert",
      "/nonexistent/c.pem",
      "--tls-key",
      "/nonexistent/k.pem",
    ]);
    assert.deepEqual(
      [missing.code, missing.stderr.trim()],
      [2, "error: --tls-cert /nonexistent/c.pem: ENOENT"],
    );
  });
});
