import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { exportJWK, generateKeyPair } from "jose";
import { ALL_SCOPES, KNOWN_SCOPES } from "../../server/src/auth/scopes.ts";
import { type ServerProcess, startServerProcess } from "../../server/test/helpers/process.ts";
import { openqod } from "./run-cli.ts";

const KEY = "cli-clients-key-0123456789";

interface CreatedJson {
  name: string;
  client_id: string;
  client_secret: string;
  api_key: string;
  scopes: string[];
}

describe("openqod clients: secrets, scopes and keys; OAuth2 client credentials on API commands", () => {
  let dataDir: string;
  let server: ServerProcess;
  let db: string[];
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "openqod-cli-clients-"));
    server = await startServerProcess({ OPENQOD_DATA_DIR: dataDir, OPENQOD_SANDBOX_KEY: KEY });
    db = ["--data-dir", dataDir];
  });
  after(async () => {
    server.child.kill("SIGTERM");
    await server.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  test("create --json prints the client id, secret, API key and effective scopes; the key works at once", async () => {
    const run = await openqod([
      "clients",
      "create",
      "reader",
      ...db,
      "--scopes",
      "qos-profiles:read,quality-on-demand:sessions:read",
      "--json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const made = JSON.parse(run.stdout) as CreatedJson;
    assert.deepEqual(Object.keys(made), ["name", "client_id", "client_secret", "api_key", "scopes"]);
    assert.equal(made.name, "reader");
    assert.match(made.client_id, /^[0-9a-f-]{36}$/);
    assert.ok(made.client_secret.length >= 32, made.client_secret);
    assert.match(made.api_key, /^oqd_/);
    assert.deepEqual(made.scopes, ["qos-profiles:read", "quality-on-demand:sessions:read"]);
    const profile = await fetch(`${server.url}/qos-profiles/v1/qos-profiles/QOS_E`, {
      headers: { authorization: `Bearer ${made.api_key}` },
    });
    assert.equal(profile.status, 200);

    const spaced = await openqod([
      "clients",
      "create",
      "spaced",
      ...db,
      "--scopes",
      "openqod:sandbox qos-profiles:read",
      "--json",
    ]);
    assert.deepEqual((JSON.parse(spaced.stdout) as CreatedJson).scopes, [
      "openqod:sandbox",
      "qos-profiles:read",
    ]);
    const all = await openqod(["clients", "create", "everything", ...db, "--json"]);
    assert.deepEqual(
      (JSON.parse(all.stdout) as CreatedJson).scopes,
      [...ALL_SCOPES],
      "no --scopes: every scope",
    );

    const human = await openqod(["clients", "create", "person", ...db, "--scopes", "qos-profiles:read"]);
    assert.equal(human.code, 0, human.stderr);
    const lines = human.stdout.trimEnd().split("\n");
    assert.equal(lines[0], "client person created, with scopes qos-profiles:read. Shown only now:");
    assert.match(lines[1] ?? "", /^client_id {6}[0-9a-f-]{36}$/);
    assert.match(lines[2] ?? "", /^client_secret {2}\S{32,}$/);
    assert.match(lines[3] ?? "", /^API key {8}oqd_\S+$/);

    const list = await openqod(["clients", "list", ...db]);
    assert.match(
      list.stdout,
      new RegExp(
        `^reader\\t${made.client_id}\\tcreated \\S+\\tqos-profiles:read,quality-on-demand:sessions:read\\tsecret set$`,
        "m",
      ),
    );
    assert.match(list.stdout, /^everything\t\S+\tcreated \S+\tall scopes\tsecret set$/m);
  });

  test("create and update refuse unknown scopes and private keys in one line, exit 2", async () => {
    const unknown = await openqod([
      "clients",
      "create",
      "bad",
      ...db,
      "--scopes",
      "qos-profiles:read,nope:write",
    ]);
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr.trim(),
      `error: --scopes: unknown scope: nope:write; known scopes: ${KNOWN_SCOPES.join(" ")}`,
    );

    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const privateFile = join(dataDir, "private.jwk.json");
    await writeFile(privateFile, JSON.stringify(await exportJWK(privateKey)));
    const secretKey = await openqod(["clients", "create", "bad", ...db, "--jwks-file", privateFile]);
    assert.equal(secretKey.code, 2);
    assert.equal(
      secretKey.stderr.trim(),
      "error: --jwks-file: the JWKS holds a private or symmetric key (member d): register only public keys",
    );
    const missing = await openqod([
      "clients",
      "create",
      "bad",
      ...db,
      "--jwks-file",
      join(dataDir, "none.json"),
    ]);
    assert.equal(missing.code, 2);
    assert.equal(
      missing.stderr.trim(),
      `error: --jwks-file ${join(dataDir, "none.json")}: cannot read it (ENOENT)`,
    );
    const ftp = await openqod(["clients", "create", "bad", ...db, "--jwks-uri", "ftp://keys.example/jwks"]);
    assert.equal(ftp.code, 2);
    assert.equal(
      ftp.stderr.trim(),
      'error: --jwks-uri: the JWKS URL must be https:// (or http:// on loopback); got "ftp://keys.example/jwks"',
    );
    const nothing = await openqod(["clients", "update", "reader", ...db]);
    assert.equal(nothing.code, 2);
    assert.equal(nothing.stderr.trim(), "error: give what to change: --scopes, --jwks-file or --jwks-uri");
    const nobody = await openqod(["clients", "update", "nobody", ...db, "--scopes", "qos-profiles:read"]);
    assert.equal(nobody.code, 1);
    assert.equal(nobody.stderr.trim(), "error: no client nobody");
    const list = await openqod(["clients", "list", ...db]);
    assert.doesNotMatch(list.stdout, /^bad\t/m, "nothing was created");
  });

  test("update sets scopes and private_key_jwt keys (a JWK file or a JWKS URL); a field left out stays", async () => {
    await openqod(["clients", "create", "signer", ...db, "--scopes", "qos-profiles:read"]);
    const { publicKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1" };
    const file = join(dataDir, "public.jwk.json");
    await writeFile(file, JSON.stringify(jwk));
    const withKeys = await openqod(["clients", "update", "signer", ...db, "--jwks-file", file, "--json"]);
    assert.equal(withKeys.code, 0, withKeys.stderr);
    const updated = JSON.parse(withKeys.stdout) as {
      scopes: string[];
      jwks: unknown;
      jwks_uri: string | null;
    };
    assert.deepEqual(updated.jwks, { keys: [jwk] }, "one JWK becomes a JWKS");
    assert.deepEqual(updated.scopes, ["qos-profiles:read"], "scopes left as they were");
    assert.equal(updated.jwks_uri, null);

    const human = await openqod([
      "clients",
      "update",
      "signer",
      ...db,
      "--scopes",
      "quality-on-demand:sessions:create quality-on-demand:sessions:read",
      "--jwks-uri",
      "http://127.0.0.1:8443/jwks.json",
    ]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(
      human.stdout.trim(),
      "client signer updated: scopes quality-on-demand:sessions:create quality-on-demand:sessions:read; 1 registered key, keys at http://127.0.0.1:8443/jwks.json",
    );
  });

  test("rotate: both by default, --key or --secret for one; JSON names what was rotated", async () => {
    const made = JSON.parse(
      (await openqod(["clients", "create", "rotor", ...db, "--json"])).stdout,
    ) as CreatedJson;
    const keyOnly = await openqod(["clients", "rotate", "rotor", ...db, "--key", "--json"]);
    assert.equal(keyOnly.code, 0, keyOnly.stderr);
    const afterKey = JSON.parse(keyOnly.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(afterKey), ["name", "api_key"]);
    assert.notEqual(afterKey.api_key, made.api_key);
    const secretOnly = JSON.parse(
      (await openqod(["clients", "rotate", "rotor", ...db, "--secret", "--json"])).stdout,
    ) as Record<string, string>;
    assert.deepEqual(Object.keys(secretOnly), ["name", "client_secret"]);
    assert.notEqual(secretOnly.client_secret, made.client_secret);
    const both = JSON.parse(
      (await openqod(["clients", "rotate", "rotor", ...db, "--json"])).stdout,
    ) as Record<string, string>;
    assert.deepEqual(Object.keys(both).sort(), ["api_key", "client_secret", "name"]);
    const ok = await fetch(`${server.url}/qos-profiles/v1/qos-profiles/QOS_E`, {
      headers: { authorization: `Bearer ${both.api_key}` },
    });
    assert.equal(ok.status, 200, "the new key works");
    const human = await openqod(["clients", "rotate", "rotor", ...db, "--secret"]);
    assert.match(human.stdout, /^client rotor has new credentials, shown only now:\nclient_secret {2}\S+\n$/);
    const nobody = await openqod(["clients", "rotate", "nobody", ...db]);
    assert.equal(nobody.code, 1);
    assert.equal(nobody.stderr.trim(), "error: no client nobody");
  });

  test("API commands: --client-id needs --client-secret, and not beside --token; exit 2 before sending", async () => {
    const env = { OPENQOD_URL: server.url, OPENQOD_TOKEN: "" };
    const half = await openqod(["profiles", "list", "--client-id", "abc"], env);
    assert.equal(half.code, 2);
    assert.equal(
      half.stderr.trim(),
      "error: OAuth2 client credentials need both --client-id and --client-secret (OPENQOD_CLIENT_ID, OPENQOD_CLIENT_SECRET)",
    );
    const twice = await openqod(
      ["profiles", "list", "--token", KEY, "--client-id", "a", "--client-secret", "b"],
      env,
    );
    assert.equal(twice.code, 2);
    assert.equal(twice.stderr.trim(), "error: give --token or --client-id with --client-secret, not both");
  });

  test("API commands: a URL with no discovery document is one line naming --url", async (t) => {
    const plain = createServer((_req, res) => res.writeHead(404).end("not here"));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise((resolve) => plain.close(resolve)));
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    const run = await openqod(["profiles", "list"], {
      OPENQOD_URL: url,
      OPENQOD_TOKEN: "",
      OPENQOD_CLIENT_ID: "a",
      OPENQOD_CLIENT_SECRET: "b",
    });
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr.trim(),
      `error: no OAuth2 discovery document: ${url}/.well-known/openid-configuration: answered 404; point --url at the server's public URL (its issuer), or use --token`,
    );
  });

  // Needs the built-in authorization server (discovery + POST /oauth2/v1/token, branch auth-server):
  // it fails on this branch alone, and passes once both are merged.
  test("[needs the authorization server] --client-id/--client-secret (or their variables) get a token by discovery at --url", async () => {
    const made = JSON.parse(
      (await openqod(["clients", "create", "oauth-cli", ...db, "--scopes", "qos-profiles:read", "--json"]))
        .stdout,
    ) as CreatedJson;
    const env = { OPENQOD_URL: server.url, OPENQOD_TOKEN: "" };
    const byFlags = await openqod(
      [
        "profiles",
        "get",
        "QOS_E",
        "--json",
        "--client-id",
        made.client_id,
        "--client-secret",
        made.client_secret,
      ],
      env,
    );
    assert.equal(byFlags.code, 0, byFlags.stderr);
    assert.equal((JSON.parse(byFlags.stdout) as { name: string }).name, "QOS_E");
    const byEnv = await openqod(["profiles", "get", "QOS_E", "--json"], {
      ...env,
      OPENQOD_TOKEN: KEY, // client credentials win over the variable
      OPENQOD_CLIENT_ID: made.client_id,
      OPENQOD_CLIENT_SECRET: made.client_secret,
    });
    assert.equal(byEnv.code, 0, byEnv.stderr);
    const outOfScope = await openqod(
      [
        "sessions",
        "get",
        "0190a0f0-0000-7000-8000-000000000000",
        "--client-id",
        made.client_id,
        "--client-secret",
        made.client_secret,
      ],
      env,
    );
    assert.equal(outOfScope.code, 1);
    assert.match(outOfScope.stderr, /^error: PERMISSION_DENIED /);
    const wrong = await openqod(
      ["profiles", "list", "--client-id", made.client_id, "--client-secret", "wrong"],
      env,
    );
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr.trim(),
      /^error: the token endpoint refused: invalid_client .*: check --client-id and --client-secret \(OPENQOD_CLIENT_ID, OPENQOD_CLIENT_SECRET\)$/,
    );
  });
});
