import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ConfigError, loadConfig, parseDurationMs } from "../src/config.ts";
import { SETTINGS } from "../src/settings.ts";
import { serveHelp, settingsTable } from "../src/settings-docs.ts";
import { DatabaseStartError } from "../src/store/database-start-error.ts";
import { checkServerVersion } from "../src/store/postgres.ts";
import { freePort, runOpenqod, runServerCommand, startServerProcess } from "./helpers/process.ts";

describe("configuration", () => {
  test("defaults: 127.0.0.1:9091, ./data, sandbox on, strict properties", () => {
    const config = loadConfig([], {});
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.port, 9091);
    assert.equal(config.dataDir, join(process.cwd(), "data"));
    assert.equal(config.publicUrl, "http://127.0.0.1:9091");
    assert.equal(config.sandbox, true);
    assert.equal(config.strictProperties, true);
    assert.equal(config.retentionMs, 360_000);
    assert.deepEqual(
      config.retryScheduleMs,
      [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
    );
    assert.ok(Object.isFrozen(config));
  });

  test("flags win over OPENQOD_* variables", () => {
    const config = loadConfig(["--port", "8081", "--no-sandbox"], {
      OPENQOD_PORT: "7000",
      OPENQOD_HOST: "::1",
      OPENQOD_RETRY_SCHEDULE: "0,1s,2m",
    });
    assert.equal(config.port, 8081);
    assert.equal(config.host, "::1");
    assert.equal(config.publicUrl, "http://[::1]:8081");
    assert.equal(config.sandbox, false);
    assert.deepEqual(config.retryScheduleMs, [0, 1_000, 120_000]);
  });

  test("every invalid setting is reported at once, by name", () => {
    assert.throws(
      () =>
        loadConfig(["--retention", "10s"], {
          OPENQOD_PORT: "99999",
          OPENQOD_STRICT_PROPERTIES: "maybe",
          OPENQOD_RETRY_SCHEDULE: "0,soon",
          OPENQOD_PORTT: "1",
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.problems.join("\n");
        for (const name of [
          "OPENQOD_PORT=",
          "--retention",
          "OPENQOD_STRICT_PROPERTIES",
          "OPENQOD_RETRY_SCHEDULE",
          "unknown setting OPENQOD_PORTT",
        ]) {
          assert.ok(text.includes(name), `mentions ${name}: ${text}`);
        }
        return true;
      },
    );
  });

  test("rate limits: on by default (100/s per client, bursts of 200; 30 failed authentications a minute and 10 token calls a second, bursts of 20, per address); 0 turns each off; nonsense is refused at start", () => {
    const defaults = loadConfig([], {});
    assert.deepEqual(
      [
        defaults.rateLimit,
        defaults.rateBurst,
        defaults.authFailureLimit,
        defaults.tokenRateLimit,
        defaults.tokenRateBurst,
      ],
      [100, 200, 30, 10, 20],
    );
    const off = loadConfig(["--rate-limit", "0"], {
      OPENQOD_AUTH_FAILURE_LIMIT: "0",
      OPENQOD_TOKEN_RATE_LIMIT: "0",
    });
    assert.deepEqual([off.rateLimit, off.authFailureLimit, off.tokenRateLimit], [0, 0, 0]);
    assert.throws(
      () =>
        loadConfig([], {
          OPENQOD_RATE_LIMIT: "-1",
          OPENQOD_RATE_BURST: "0",
          OPENQOD_AUTH_FAILURE_LIMIT: "lots",
          OPENQOD_TOKEN_RATE_LIMIT: "-2",
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems.map((p) => p.split("=")[0]).sort(), [
          "OPENQOD_AUTH_FAILURE_LIMIT",
          "OPENQOD_RATE_BURST",
          "OPENQOD_RATE_LIMIT",
          "OPENQOD_TOKEN_RATE_LIMIT",
        ]);
        return true;
      },
    );
  });

  test("OPENQOD_TRUST_PROXY takes addresses and CIDR ranges, and refuses anything else at start", () => {
    assert.deepEqual(loadConfig([], {}).trustProxy, []);
    assert.deepEqual(loadConfig([], { OPENQOD_TRUST_PROXY: "10.0.0.0/8, ::1,192.0.2.7" }).trustProxy, [
      "10.0.0.0/8",
      "::1",
      "192.0.2.7",
    ]);
    assert.throws(
      () => loadConfig([], { OPENQOD_TRUST_PROXY: "10.0.0.0/33,proxy.internal,::1" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /OPENQOD_TRUST_PROXY=.*not 10\.0\.0\.0\/33, proxy\.internal$/.test(error.problems[0] ?? ""),
    );
  });

  test("the README's configuration table is the settings table, row for row", async () => {
    const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
    const table = settingsTable();
    assert.ok(
      readme.includes(table),
      `README.md should hold this table under "Configuration" (copy it from here):\n${table}`,
    );
    for (const spec of Object.values(SETTINGS))
      assert.ok(table.includes(`\`${spec.variable}\``), spec.variable);
  });

  test("every setting is in serve --help with its flag and variable", () => {
    const help = serveHelp();
    for (const spec of Object.values(SETTINGS)) {
      assert.ok(help.includes(`--${spec.flag}`), spec.flag);
      assert.ok(help.includes(spec.variable), spec.variable);
    }
  });

  test("durations: 250ms, 5s, 5m, 2h and bare seconds", () => {
    assert.deepEqual(["250ms", "5s", "5m", "2h", "7", "x", "5d"].map(parseDurationMs), [
      250,
      5_000,
      300_000,
      7_200_000,
      7_000,
      null,
      null,
    ]);
  });

  test("an invalid setting stops the server before it starts, exit code 2", async () => {
    const { code, output } = await runServerCommand([], {
      OPENQOD_PORT: "http",
      OPENQOD_DATA_DIR: join(tmpdir(), "never-created"),
    });
    assert.equal(code, 2);
    assert.match(output, /OPENQOD_PORT="http" must be a whole number/);
  });

  test("database settings: a postgres URL selects PostgreSQL; pool, timeouts and lease are checked", () => {
    const config = loadConfig(["--database-url", "postgres://qod:secret@db.internal:5432/qod"], {
      OPENQOD_DATABASE_POOL: "20",
      OPENQOD_DATABASE_STATEMENT_TIMEOUT: "2s",
      OPENQOD_DELIVERY_LEASE: "45s",
    });
    assert.equal(config.databaseUrl, "postgres://qod:secret@db.internal:5432/qod");
    assert.equal(config.databasePoolSize, 20);
    assert.equal(config.databaseStatementTimeoutMs, 2_000);
    assert.equal(config.databaseConnectTimeoutMs, 5_000);
    assert.equal(config.deliveryLeaseMs, 45_000);
    assert.equal(loadConfig([], {}).databaseUrl, null, "SQLite by default");
    assert.throws(
      () =>
        loadConfig([], {
          OPENQOD_DATABASE_URL: "mysql://root:hunter2@db/qod",
          OPENQOD_DATABASE_POOL: "1",
          OPENQOD_DELIVERY_LEASE: "5s",
          OPENQOD_DELIVERY_TIMEOUT: "10s",
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.problems.join("\n");
        assert.match(text, /OPENQOD_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
        assert.match(text, /OPENQOD_DATABASE_POOL="1" must be a whole number from 2/);
        assert.match(
          text,
          /delivery lease \(5000 ms\) must be longer than the delivery timeout \(10000 ms\)/,
        );
        assert.doesNotMatch(text, /hunter2/, "a password is never echoed");
        return true;
      },
    );
  });

  test("network settings: the simulator by default; nef needs its URL and SCS/AS id, one kind of credential", () => {
    assert.equal(loadConfig([], {}).network, "simulator");
    const nef = loadConfig(["--network", "nef"], {
      OPENQOD_NEF_URL: "https://nef.example:8443/",
      OPENQOD_NEF_SCS_AS_ID: "openqod",
      OPENQOD_NEF_TOKEN: "tok-s3cret",
    });
    assert.equal(nef.network, "nef");
    assert.equal(nef.nefUrl, "https://nef.example:8443");
    assert.equal(nef.nefScsAsId, "openqod");
    assert.equal(nef.nefTimeoutMs, 5_000);
    assert.equal(nef.nefCallbackUrl, null, "null: the public URL");
    const problems = (argv: string[], env: Record<string, string>) => {
      try {
        loadConfig(argv, env);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems;
      }
      return [];
    };
    assert.deepEqual(problems(["--network", "nef"], {}), [
      "OPENQOD_NETWORK=nef needs OPENQOD_NEF_URL (the NEF's apiRoot)",
      "OPENQOD_NETWORK=nef needs OPENQOD_NEF_SCS_AS_ID",
    ]);
    const base = {
      OPENQOD_NETWORK: "nef",
      OPENQOD_NEF_URL: "https://nef.example",
      OPENQOD_NEF_SCS_AS_ID: "af",
    };
    assert.deepEqual(
      problems([], {
        ...base,
        OPENQOD_NEF_TOKEN: "t0ken",
        OPENQOD_NEF_OAUTH_TOKEN_URL: "https://auth.example/token",
      }),
      [
        "give OPENQOD_NEF_TOKEN or the OPENQOD_NEF_OAUTH_* settings, not both",
        "OAuth client credentials also need OPENQOD_NEF_OAUTH_CLIENT_ID and OPENQOD_NEF_OAUTH_CLIENT_SECRET",
      ],
    );
    assert.deepEqual(
      problems([], {
        ...base,
        OPENQOD_NEF_OAUTH_CLIENT_ID: "qod",
        OPENQOD_NEF_OAUTH_CLIENT_SECRET: "hunter2",
      }),
      ["OAuth client credentials also need OPENQOD_NEF_OAUTH_TOKEN_URL"],
    );
    assert.deepEqual(problems([], { ...base, OPENQOD_DATABASE_URL: "postgres://db/qod" }), [
      "with OPENQOD_DATABASE_URL, set OPENQOD_NEF_CALLBACK_SECRET: every instance must share it",
    ]);
    assert.deepEqual(problems([], { OPENQOD_NEF_URL: "https://nef.example" }), [
      "OPENQOD_NEF_URL is set but the network is the simulator: set OPENQOD_NETWORK=nef",
    ]);
    assert.deepEqual(
      problems([], {
        ...base,
        OPENQOD_NETWORK: "nfe",
        OPENQOD_NEF_URL: "ftp://nef.example",
        OPENQOD_NEF_SCS_AS_ID: "a/b",
        OPENQOD_NEF_TOKEN: "has space",
        OPENQOD_NEF_TIMEOUT: "10ms",
      }),
      [
        'OPENQOD_NETWORK="nfe" must be simulator, nef or linux-tc',
        'OPENQOD_NEF_SCS_AS_ID="a/b" must be 1 to 128 letters, digits, -, _, . or ~',
        "OPENQOD_NEF_TOKEN must be 1 to 4096 printable characters without spaces",
        'OPENQOD_NEF_TIMEOUT="10ms" must be a duration like 250ms, 5s, 5m or 2h, at least 100 ms',
        "OPENQOD_NEF_URL is set but the network is the simulator: set OPENQOD_NETWORK=nef",
      ],
    );
    assert.deepEqual(problems([], { ...base, OPENQOD_NEF_URL: "ftp://nef.example" }), [
      "OPENQOD_NEF_URL must be an http:// or https:// URL",
    ]);
  });

  test("an unreachable PostgreSQL stops the start with one clear line (no password), exit code 1", async () => {
    const port = await freePort();
    const { code, output } = await runServerCommand([], {
      OPENQOD_DATABASE_URL: `postgres://qod:hunter2@127.0.0.1:${port}/qod`,
      OPENQOD_DATABASE_CONNECT_TIMEOUT: "2s",
      OPENQOD_DATA_DIR: await mkdtemp(join(tmpdir(), "openqod-nodb-")),
    });
    assert.equal(code, 1);
    assert.match(
      output,
      new RegExp(`cannot use PostgreSQL at postgres://qod@127\\.0\\.0\\.1:${port}/qod: .*ECONNREFUSED`),
    );
    assert.doesNotMatch(output, /hunter2/);
    assert.doesNotMatch(output, /\n\s+at /, "no stack trace");
  });

  test("a PostgreSQL older than 14 is refused by name", () => {
    assert.throws(
      () => checkServerVersion(130_011, "13.11"),
      (error: unknown) =>
        error instanceof DatabaseStartError &&
        error.message === "PostgreSQL 14 or newer is required; the server runs 13.11",
    );
    assert.doesNotThrow(() => checkServerVersion(150_018, "15.18"));
  });

  test("a first start creates the data folder, a sandbox key and secret (0600) and prints a quickstart with a curl for each", async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), "openqod-first-")), "nested", "data");
    const server = await startServerProcess({ OPENQOD_DATA_DIR: dataDir });
    try {
      const key = (await readFile(join(dataDir, "sandbox-key"), "utf8")).trim();
      assert.match(key, /^oqd_[A-Za-z0-9_-]{43}$/);
      assert.equal((await stat(join(dataDir, "sandbox-key"))).mode & 0o777, 0o600);
      await stat(join(dataDir, "openqod.db"));
      const deadline = Date.now() + 5_000;
      while (!server.output().includes("curl") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.ok(server.output().includes(`Authorization: Bearer ${key}`));
      assert.ok(server.output().includes(`${server.url}/quality-on-demand/v1/sessions`));
      assert.ok(server.output().includes(`Dashboard:    ${server.url}/dashboard/`));
      const res = await fetch(`${server.url}/qos-profiles/v1/qos-profiles/QOS_E`, {
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(res.status, 200);
      // The OAuth2 part: the secret is kept like the key, and the printed curl gets a token.
      const secret = (await readFile(join(dataDir, "sandbox-secret"), "utf8")).trim();
      assert.equal((await stat(join(dataDir, "sandbox-secret"))).mode & 0o777, 0o600);
      const curl = new RegExp(
        `curl -s -u '([0-9a-f-]{36}):${secret}' -d grant_type=client_credentials ${server.url}/oauth2/v1/token`,
      );
      const printed = curl.exec(server.output());
      assert.ok(printed, server.output());
      const token = await fetch(`${server.url}/oauth2/v1/token`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${printed[1]}:${secret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "grant_type=client_credentials",
      });
      assert.equal(token.status, 200);
      const { access_token: accessToken } = (await token.json()) as { access_token: string };
      const withToken = await fetch(`${server.url}/qos-profiles/v1/qos-profiles/QOS_E`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      assert.equal(withToken.status, 200);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test("a second server on the same data folder refuses to start; a crashed one's claim is taken over", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "openqod-lock-"));
    const first = await startServerProcess({ OPENQOD_DATA_DIR: dataDir });
    try {
      const second = await runServerCommand([], { OPENQOD_DATA_DIR: dataDir, OPENQOD_PORT: "0" });
      assert.equal(second.code, 2);
      assert.match(second.output, new RegExp(`another OpenQoD server \\(pid ${first.child.pid}\\) is using`));
      // The admin commands may still open the folder while the server runs.
      assert.equal((await runOpenqod(["clients", "list", "--data-dir", dataDir], {})).code, 0);
    } finally {
      first.child.kill("SIGKILL");
      await first.exited;
    }
    const after = await startServerProcess({ OPENQOD_DATA_DIR: dataDir });
    after.child.kill("SIGTERM");
    assert.equal(await after.exited, 0);
    await rm(dataDir, { recursive: true, force: true });
  });

  test("operators create, list and revoke API clients with a command", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "openqod-admin-"));
    try {
      const created = await runOpenqod(["clients", "create", "acme", "--data-dir", dataDir], {});
      assert.equal(created.code, 0, created.output);
      const key = /^API key\s+(\S+)$/m.exec(created.output)?.[1] ?? "";
      assert.match(key, /^oqd_/);
      assert.match(created.output, /^client_secret\s+oqs_\S+$/m);
      const duplicate = await runOpenqod(["clients", "create", "acme", "--data-dir", dataDir], {});
      assert.equal(duplicate.code, 1);
      const server = await startServerProcess({ OPENQOD_DATA_DIR: dataDir });
      try {
        const res = await fetch(`${server.url}/qos-profiles/v1/qos-profiles/QOS_E`, {
          headers: { authorization: `Bearer ${key}` },
        });
        assert.equal(res.status, 200);
      } finally {
        server.child.kill("SIGTERM");
        await server.exited;
      }
      const list = await runOpenqod(["clients", "list", "--data-dir", dataDir], {});
      assert.match(list.output, /^acme\t/m);
      assert.match(list.output, /^sandbox\t/m);
      const revoked = await runOpenqod(["clients", "revoke", "acme", "--data-dir", dataDir], {});
      assert.equal(revoked.code, 0);
      const usage = await runOpenqod(["clients", "frobnicate"], {});
      assert.equal(usage.code, 2);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
