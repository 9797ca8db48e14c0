import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { freePort, type ServerProcess } from "../../server/test/helpers/process.ts";
import type { TestReceiver } from "../../server/test/helpers/receiver.ts";
import { openqod } from "./run-cli.ts";
import { type SandboxWithReceiver, sandboxWithReceiver } from "./sandbox-with-receiver.ts";

const KEY = "cli-operations-key-0123456789";

/** `sessions create` for a fresh device, notifying `sink` with token `my-token`; returns the id. */
async function createSession(env: Record<string, string>, phone: string, sink: string): Promise<string> {
  const run = await openqod(
    [
      "sessions",
      "create",
      "--json",
      "--phone",
      phone,
      "--profile",
      "QOS_E",
      "--service-ipv4",
      "233.252.0.2",
      "--notification-url",
      sink,
      "--notification-token",
      "my-token",
    ],
    env,
  );
  assert.equal(run.code, 0, run.stderr);
  return (JSON.parse(run.stdout) as { id: string }).id;
}

interface NotificationJson {
  id: string;
  qosStatus: string;
  statusInfo?: string;
  state: string;
  attempts: Array<{ outcome: string; statusCode?: number | null }>;
}

describe("openqod operations: notifications, sandbox, sessions of every device, clients, deliveries", () => {
  let sandbox: SandboxWithReceiver;
  let dataDir: string;
  let server: ServerProcess;
  let receiver: TestReceiver;
  let env: Record<string, string>;
  before(async () => {
    sandbox = await sandboxWithReceiver("ops", KEY);
    ({ dataDir, server, receiver, env } = sandbox);
  });
  after(() => sandbox.close());

  test("a failed notification is listed with its attempt, and redelivered now reaches the receiver", async () => {
    receiver.respond = () => ({ status: 500 });
    const id = await createSession(env, "+36700001001", receiver.url);
    await receiver.waitFor(1);
    let listed: NotificationJson[] = [];
    const deadline = Date.now() + 10_000;
    while (listed[0]?.state !== "failed" && Date.now() < deadline) {
      const run = await openqod(["notifications", "list", id, "--json"], env);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stdout, /my-token/, "never the notification's credential");
      listed = JSON.parse(run.stdout) as NotificationJson[];
    }
    const [first] = listed;
    assert.ok(first);
    assert.deepEqual(
      [first.qosStatus, first.state, first.attempts.map((a) => a.statusCode)],
      ["AVAILABLE", "failed", [500]],
    );
    const text = await openqod(["notifications", "list", id], env);
    assert.match(text.stdout, new RegExp(`^${first.id}  failed  AVAILABLE  `, "m"));
    assert.match(text.stdout, /^ {2}\S+Z {2}\S+ {2}500 {2}\d+ ms/m);

    receiver.respond = () => ({ status: 204 });
    const again = await openqod(["notifications", "redeliver", first.id], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), `notification ${first.id} queued for delivery now to ${receiver.url}`);
    await receiver.waitFor(2);
    assert.equal(receiver.events[1]?.id, first.id, "the same CloudEvent id");
  });

  test("sandbox expire and terminate end sessions as the network would, notified", async () => {
    const before = receiver.requests.length;
    const a = await createSession(env, "+36700001002", receiver.url);
    const b = await createSession(env, "+36700001003", receiver.url);
    const expired = await openqod(["sandbox", "expire", a], env);
    assert.equal(expired.code, 0, expired.stderr);
    assert.match(expired.stdout, new RegExp(`^${a}  UNAVAILABLE/DURATION_EXPIRED  QOS_E `));
    const terminated = await openqod(["sandbox", "terminate", b, "--json"], env);
    assert.equal(terminated.code, 0, terminated.stderr);
    assert.equal((JSON.parse(terminated.stdout) as { statusInfo: string }).statusInfo, "NETWORK_TERMINATED");
    await receiver.waitFor(before + 4);
    const ends = receiver.events
      .slice(before)
      .filter((e) => e.data.qosStatus === "UNAVAILABLE")
      .map((e) => [e.data.sessionId, e.data.statusInfo]);
    assert.deepEqual(
      ends.sort(),
      [
        [a, "DURATION_EXPIRED"],
        [b, "NETWORK_TERMINATED"],
      ].sort(),
    );
    const again = await openqod(["sandbox", "expire", a], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: CONFLICT /);
  });

  test("sandbox event and lose: the network's events and a lost reservation", async () => {
    const a = await createSession(env, "+36700001012", receiver.url);
    const degraded = await openqod(["sandbox", "event", a, "NOT_GUARANTEED"], env);
    assert.equal(degraded.code, 0, degraded.stderr);
    assert.match(degraded.stdout, new RegExp(`^${a}  AVAILABLE  QOS_E `));
    const bad = await openqod(["sandbox", "event", a, "DEGRADED"], env);
    assert.notEqual(bad.code, 0);
    assert.equal(
      bad.stderr.trim(),
      "error: command-argument value 'DEGRADED' is invalid for argument 'kind'. Allowed choices are GRANTED, REFUSED, NOT_GUARANTEED, GUARANTEED, TERMINATED.",
    );
    const lost = await openqod(["sandbox", "lose", a], env);
    assert.equal(lost.code, 0, lost.stderr);
    assert.equal(lost.stdout.trim(), `session ${a}: the network no longer holds it`);
    const again = await openqod(["sandbox", "lose", a], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: CONFLICT /);
  });

  test("sessions list without a device lists every session of the caller; --status filters", async () => {
    const id = await createSession(env, "+36700001004", receiver.url);
    const all = await openqod(["sessions", "list", "--json"], env);
    assert.equal(all.code, 0, all.stderr);
    const ids = (JSON.parse(all.stdout) as Array<{ id: string }>).map((s) => s.id);
    assert.ok(ids.includes(id));
    assert.ok(ids.length >= 4, "sessions of several devices");
    const available = await openqod(["sessions", "list", "--status", "AVAILABLE", "--json"], env);
    const statuses = (JSON.parse(available.stdout) as Array<{ status: string }>).map((s) => s.status);
    assert.ok(statuses.length > 0 && statuses.every((s) => s === "AVAILABLE"));
  });

  test("deliveries (operator, on the database) lists any session's notifications and redelivers", async () => {
    const id = await createSession(env, "+36700001005", receiver.url);
    const before = receiver.requests.length;
    await receiver.waitFor(before);
    const db = ["--data-dir", dataDir];
    let listed: NotificationJson[] = [];
    const deadline = Date.now() + 10_000;
    while (listed[0]?.state !== "delivered" && Date.now() < deadline) {
      const run = await openqod(["deliveries", id, ...db, "--json"], env);
      assert.equal(run.code, 0, run.stderr);
      listed = JSON.parse(run.stdout) as NotificationJson[];
    }
    const eventId = listed[0]?.id ?? "";
    assert.equal(listed[0]?.state, "delivered");
    const count = receiver.requests.length;
    const again = await openqod(["deliveries", "redeliver", eventId, ...db], env);
    assert.equal(again.code, 0, again.stderr);
    await receiver.waitFor(count + 1, 15_000);
    assert.equal(receiver.events[count]?.id, eventId);
    const none = await openqod(["deliveries", "0190a0f0-0000-7000-8000-000000000000", ...db], env);
    assert.equal(none.code, 1);
    assert.equal(
      none.stderr.trim(),
      "error: no notifications for session 0190a0f0-0000-7000-8000-000000000000",
    );
  });

  test("clients create, list, rotate and revoke; --json for scripts; each mistake is one line", async () => {
    const db = ["--data-dir", dataDir];
    const created = await openqod(["clients", "create", "acme", ...db, "--json"]);
    assert.equal(created.code, 0, created.stderr);
    const made = JSON.parse(created.stdout) as { name: string; client_id: string; api_key: string };
    assert.equal(made.name, "acme");
    assert.match(made.api_key, /^oqd_/);
    const ok = await fetch(`${server.url}/qos-profiles/v1/qos-profiles/QOS_E`, {
      headers: { authorization: `Bearer ${made.api_key}` },
    });
    assert.equal(ok.status, 200);

    const duplicate = await openqod(["clients", "create", "acme", ...db]);
    assert.equal(duplicate.code, 1);
    assert.equal(duplicate.stderr.trim().split("\n").length, 1);
    assert.match(duplicate.stderr, /^error: .*acme already exists/);
    const badName = await openqod(["clients", "create", "no spaces", ...db]);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /"no spaces" is not a client name/);

    const list = await openqod(["clients", "list", ...db]);
    assert.match(list.stdout, new RegExp(`^acme\\t${made.client_id}\\tcreated `, "m"));
    assert.match(list.stdout, /^sandbox\t/m);

    const rotated = await openqod(["clients", "rotate", "acme", ...db, "--json"]);
    const newKey = (JSON.parse(rotated.stdout) as { api_key: string }).api_key;
    assert.notEqual(newKey, made.api_key);
    const revoked = await openqod(["clients", "revoke", "acme", ...db]);
    assert.equal(revoked.stdout.trim(), "client acme revoked");
    const listedAfter = await openqod(["clients", "list", ...db]);
    assert.match(listedAfter.stdout, /^acme\t.*\tREVOKED$/m);
    const unknown = await openqod(["clients", "revoke", "nobody", ...db]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error: .*nobody/);
  });

  test("errors speak the CLI's language: flags, variables, which URL did not answer; no stack traces", async () => {
    const noKey = await openqod(["sessions", "get", "abc"], { OPENQOD_URL: server.url, OPENQOD_TOKEN: "" });
    assert.equal(noKey.code, 2);
    assert.equal(
      noKey.stderr.trim(),
      "error: no API key: set OPENQOD_TOKEN or pass --token (the sandbox prints its key when `openqod serve` starts), or give OAuth2 client credentials with --client-id and --client-secret",
    );
    const port = await freePort();
    const down = await openqod(["profiles", "list"], {
      OPENQOD_URL: `http://127.0.0.1:${port}`,
      OPENQOD_TOKEN: KEY,
    });
    assert.equal(down.code, 1);
    assert.equal(
      down.stderr.trim(),
      `error: no answer from http://127.0.0.1:${port} (connection refused): is the server running? Start one with \`openqod serve\`, or point --url / OPENQOD_URL at yours`,
    );
    const badPhone = await openqod(
      ["sessions", "create", "--phone", "12ab", "--profile", "QOS_E", "--service-ipv4", "233.252.0.2"],
      env,
    );
    assert.equal(badPhone.code, 2);
    assert.match(badPhone.stderr, /^error: --phone /);
    const noService = await openqod(
      ["sessions", "create", "--phone", "+36700001006", "--profile", "QOS_E"],
      env,
    );
    assert.equal(
      noService.stderr.trim(),
      "error: give the application server with --service-ipv4 or --service-ipv6",
    );
    const tokenOnly = await openqod(
      [
        "sessions",
        "create",
        "--phone",
        "+36700001006",
        "--profile",
        "QOS_E",
        "--service-ipv4",
        "233.252.0.2",
        "--notification-token",
        "t",
      ],
      env,
    );
    assert.equal(
      tokenOnly.stderr.trim(),
      "error: --notification-token needs --notification-url: a token without a URL is never sent",
    );
    const badDb = await openqod(["clients", "list", "--database-url", "mysql://x"]);
    assert.equal(badDb.code, 2);
    for (const run of [noKey, down, badPhone, noService, tokenOnly, badDb]) {
      assert.doesNotMatch(run.stderr, /^\s+at /m, "no stack trace");
    }
  });

  test("serve --help lists every setting with its variable; serve refuses another command's arguments", async () => {
    const help = await openqod(["serve", "--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: openqod serve \[options\]/);
    for (const name of ["--port", "OPENQOD_PORT", "--database-url", "OPENQOD_DATABASE_URL", "--log-level"]) {
      assert.ok(help.stdout.includes(name), name);
    }
    const misplaced = await openqod(["serve", "clients", "list"]);
    assert.equal(misplaced.code, 2);
    assert.equal(
      misplaced.stderr.trim(),
      'error: "clients" is a command of its own: run `openqod clients list`',
    );
  });
});
