import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createReceiver } from "@openqod/receiver";
import { type ServerProcess, startServerProcess } from "../../server/test/helpers/process.ts";
import { TestReceiver } from "../../server/test/helpers/receiver.ts";
import { openqod } from "./run-cli.ts";

const SANDBOX_KEY = "cli-webhook-key-0123456789";

interface SecretsJson {
  name: string;
  secrets: Array<{ id: string; secret: string; createdAt: string; retiresAt?: string }>;
}

describe("openqod clients webhook-secret", () => {
  let dataDir: string;
  let server: ServerProcess;
  let receiver: TestReceiver;
  let db: string[];
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "openqod-cli-webhook-"));
    server = await startServerProcess({
      OPENQOD_DATA_DIR: dataDir,
      OPENQOD_SANDBOX_KEY: "cli-webhook-key-0123456789",
    });
    receiver = await TestReceiver.start();
    db = ["--data-dir", dataDir];
  });
  after(async () => {
    server.child.kill("SIGTERM");
    await server.exited;
    await receiver.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const secretsOf = async (args: string[]): Promise<SecretsJson> => {
    const run = await openqod(["clients", "webhook-secret", ...args, ...db, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as SecretsJson;
  };

  test("--rotate turns signing on: the running server signs the client's next notification with that secret", async () => {
    const made = await openqod(["clients", "create", "signed", ...db, "--json"]);
    assert.equal(made.code, 0, made.stderr);
    const { api_key: key } = JSON.parse(made.stdout) as { api_key: string };
    assert.deepEqual((await secretsOf(["signed"])).secrets, []);
    const human = await openqod(["clients", "webhook-secret", "signed", ...db]);
    assert.equal(human.stdout.trim(), "client signed: notifications are not signed");

    const { secrets } = await secretsOf(["signed", "--rotate"]);
    assert.equal(secrets.length, 1);
    const secret = secrets[0]?.secret ?? "";
    assert.match(secret, /^whsec_/);
    const created = await fetch(`${server.url}/quality-on-demand/v1/sessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        device: { phoneNumber: "+36721609999999" },
        applicationServer: { ipv4Address: "233.252.0.2" },
        qosProfile: "QOS_L",
        duration: 600,
        sink: receiver.url,
      }),
    });
    assert.equal(created.status, 201, await created.text());
    await receiver.waitFor(1);
    const request = receiver.requests[0];
    assert.ok(request);
    const verifier = createReceiver({ tokens: [], webhookSecret: secret, onEvent: () => undefined });
    const verdict = await verifier.receive({ body: request.body, headers: request.headers });
    assert.equal(verdict.kind, "event", "@openqod/receiver verifies it with the secret the CLI showed");
  });

  test("--rotate --grace keeps the previous secret signing for that long; --off deletes them all", async () => {
    assert.equal((await openqod(["clients", "create", "rotating", ...db])).code, 0);
    const [first] = (await secretsOf(["rotating", "--rotate"])).secrets;
    const before = Date.now();
    const { secrets } = await secretsOf(["rotating", "--rotate", "--grace", "2h"]);
    assert.deepEqual(
      secrets.map((s) => s.id),
      [secrets[0]?.id, first?.id],
    );
    const retires = Date.parse(secrets[1]?.retiresAt ?? "");
    assert.ok(retires >= before + 7_200_000 && retires <= Date.now() + 7_200_000, secrets[1]?.retiresAt);
    const human = await openqod(["clients", "webhook-secret", "rotating", ...db]);
    assert.match(human.stdout, /^whsec_\S+\tcurrent\tcreated \S+\nwhsec_\S+\tretires \S+\tcreated \S+\n$/);
    assert.deepEqual((await secretsOf(["rotating", "--off"])).secrets, []);
  });

  test("openqod webhook-secrets [rotate|delete]: the caller's own secrets over the API", async () => {
    const env = { OPENQOD_URL: server.url, OPENQOD_TOKEN: SANDBOX_KEY };
    const api = async (args: string[]) => {
      const run = await openqod(["webhook-secrets", ...args, "--json"], env);
      assert.equal(run.code, 0, run.stderr);
      return (JSON.parse(run.stdout) as Pick<SecretsJson, "secrets">).secrets;
    };
    assert.deepEqual(await api([]), []);
    const [first] = await api(["rotate"]);
    const rotated = await api(["rotate", "--grace", "30m"]);
    assert.deepEqual(
      rotated.map((s) => s.id),
      [rotated[0]?.id, first?.id],
    );
    const retiresIn = Date.parse(rotated[1]?.retiresAt ?? "") - Date.now();
    assert.ok(retiresIn > 29 * 60_000 && retiresIn <= 30 * 60_000, String(retiresIn));
    assert.deepEqual(
      (await api(["get"])).map((s) => s.id),
      rotated.map((s) => s.id),
    );
    // Grace 0 stops the secret current until now at once; the one still retiring keeps its 30 min.
    const third = await api(["rotate", "--grace", "0"]);
    assert.deepEqual(
      third.slice(1).map((s) => s.id),
      [first?.id],
    );
    assert.deepEqual(await api(["delete"]), []);
    const human = await openqod(["webhook-secrets"], env);
    assert.equal(human.stdout.trim(), "your notifications are not signed");
    const bad = await openqod(["webhook-secrets", "rotate", "--grace", "soon"], env);
    assert.equal(bad.code, 2);
  });

  test("--rotate without --grace takes OPENQOD_WEBHOOK_SECRET_GRACE, as the server's API does", async () => {
    assert.equal((await openqod(["clients", "create", "configured", ...db])).code, 0);
    await secretsOf(["configured", "--rotate"]);
    const before = Date.now();
    const run = await openqod(["clients", "webhook-secret", "configured", "--rotate", ...db, "--json"], {
      OPENQOD_WEBHOOK_SECRET_GRACE: "3h",
    });
    assert.equal(run.code, 0, run.stderr);
    const { secrets } = JSON.parse(run.stdout) as SecretsJson;
    const retires = Date.parse(secrets[1]?.retiresAt ?? "");
    assert.ok(
      retires >= before + 3 * 3_600_000 && retires <= Date.now() + 3 * 3_600_000,
      secrets[1]?.retiresAt,
    );
    const bad = await openqod(["clients", "webhook-secret", "configured", ...db], {
      OPENQOD_WEBHOOK_SECRET_GRACE: "soon",
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid setting: .*OPENQOD_WEBHOOK_SECRET_GRACE/);
  });

  test("--grace is at most 7 days, as over the API: beyond is a usage error (exit 2) and changes nothing", async () => {
    assert.equal((await openqod(["clients", "create", "capped", ...db])).code, 0);
    const [only] = (await secretsOf(["capped", "--rotate"])).secrets;
    const long = await openqod(["clients", "webhook-secret", "capped", "--rotate", "--grace", "169h", ...db]);
    assert.equal(long.code, 2, long.stderr);
    assert.equal(
      long.stderr.trim(),
      "error: --grace: the grace is from 0 to 7 days (168h), as over the API; got 169h",
    );
    assert.deepEqual(
      (await secretsOf(["capped"])).secrets.map((s) => s.id),
      [only?.id],
      "no rotation happened",
    );
    const week = await secretsOf(["capped", "--rotate", "--grace", "168h"]);
    assert.equal(week.secrets.length, 2, "exactly 7 days is allowed");
  });

  test("an unknown client exits 1; a bad --grace or --rotate with --off exits 2", async () => {
    const nobody = await openqod(["clients", "webhook-secret", "nobody", ...db]);
    assert.equal(nobody.code, 1);
    assert.equal(nobody.stderr.trim(), "error: no client nobody");
    const grace = await openqod([
      "clients",
      "webhook-secret",
      "signed",
      "--rotate",
      "--grace",
      "soon",
      ...db,
    ]);
    assert.equal(grace.code, 2);
    assert.match(grace.stderr, /--grace: expected a duration/);
    const both = await openqod(["clients", "webhook-secret", "signed", "--rotate", "--off", ...db]);
    assert.equal(both.code, 2);
  });
});
