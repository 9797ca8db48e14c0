import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { KNOWN_SCOPES } from "../../server/src/auth/scopes.ts";
import type { TestReceiver } from "../../server/test/helpers/receiver.ts";
import { openqod } from "./run-cli.ts";
import { type SandboxWithReceiver, sandboxWithReceiver } from "./sandbox-with-receiver.ts";

const KEY = "cli-delivery-ops-key-0123456789";

describe("openqod notifications recover, openqod sinks list|pause|resume", () => {
  let sandbox: SandboxWithReceiver;
  let dataDir: string;
  let receiver: TestReceiver;
  let env: Record<string, string>;
  before(async () => {
    sandbox = await sandboxWithReceiver("delivery", KEY);
    ({ dataDir, receiver, env } = sandbox);
  });
  after(() => sandbox.close());

  test("a failed notification is recovered once; sinks show it; pausing needs an operator", async () => {
    const since = new Date(Date.now() - 1_000).toISOString();
    receiver.respond = () => ({ status: 500 });
    const created = await openqod(
      [
        "sessions",
        "create",
        "--json",
        "--phone",
        "+36700002001",
        "--profile",
        "QOS_E",
        "--service-ipv4",
        "233.252.0.2",
        "--notification-url",
        receiver.url,
        "--notification-token",
        "my-token",
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    await receiver.waitFor(1);
    const deadline = Date.now() + 10_000;
    for (let state = ""; state !== "failed"; ) {
      assert.ok(Date.now() < deadline, "failed within 10 s");
      const run = await openqod(["notifications", "list", id, "--json"], env);
      state = (JSON.parse(run.stdout) as Array<{ state: string }>)[0]?.state ?? "";
    }

    receiver.respond = () => ({ status: 204 });
    const recovered = await openqod(
      ["notifications", "recover", "--sink", receiver.url, "--since", since],
      env,
    );
    assert.equal(recovered.code, 0, recovered.stderr);
    assert.equal(
      recovered.stdout.trim(),
      "recovered 1, already pending 0 (due now), skipped 0 (token expired or gone)",
    );
    await receiver.waitFor(2);
    const again = await openqod(
      ["notifications", "recover", "--sink", receiver.url, "--since", since, "--json"],
      env,
    );
    assert.deepEqual(JSON.parse(again.stdout), { recovered: 0, alreadyPending: 0, skipped: 0, more: false });
    const usage = await openqod(["notifications", "recover", "--since", since], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /give one of --sink and --origin/);
    const window = await openqod(
      ["notifications", "recover", "--sink", receiver.url, "--since", "2020-01-01T00:00:00Z"],
      env,
    );
    assert.equal(window.code, 1);
    assert.match(window.stderr, /at most 7 days/);

    const origin = new URL(receiver.url).origin;
    const listed = await openqod(["sinks", "list"], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${origin}  active  0 failing  50% of 2  backlog 0$`, "m"));

    // The sandbox client of a loopback-bound sandbox is an operator: another client is not.
    const plain = await openqod(["clients", "create", "plain", "--data-dir", dataDir, "--json"]);
    assert.equal(plain.code, 0, plain.stderr);
    const nonOperator = { ...env, OPENQOD_TOKEN: (JSON.parse(plain.stdout) as { api_key: string }).api_key };
    const denied = await openqod(["sinks", "pause", origin], nonOperator);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /openqod:operator/);

    const ops = await openqod([
      "clients",
      "create",
      "ops",
      "--data-dir",
      dataDir,
      "--scopes",
      KNOWN_SCOPES.join(","),
      "--json",
    ]);
    assert.equal(ops.code, 0, ops.stderr);
    const operator = { ...env, OPENQOD_TOKEN: (JSON.parse(ops.stdout) as { api_key: string }).api_key };
    const paused = await openqod(["sinks", "pause", origin, "--json"], operator);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal((JSON.parse(paused.stdout) as { pausedBy: string }).pausedBy, "operator");
    const resumed = await openqod(["sinks", "resume", origin], operator);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`^${origin}  active  0 failing`));
  });
});
