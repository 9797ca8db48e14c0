import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { openqod } from "./run-cli.ts";

interface KeyJson {
  kid: string;
  active: boolean;
  createdAt: number;
  retiredAt: number | null;
}

describe("openqod keys: the authorization server's signing keys, on the database", () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "openqod-cli-keys-"));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  test("rotate makes a new key sign and keeps the old one, retired; list shows both, newest first", async () => {
    const db = ["--data-dir", dataDir];
    const empty = await openqod(["keys", "list", ...db]);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /no signing keys yet/);

    const first = await openqod(["keys", "rotate", ...db, "--json"]);
    assert.equal(first.code, 0, first.stderr);
    const one = JSON.parse(first.stdout) as KeyJson;
    assert.equal(one.active, true);
    assert.match(one.kid, /^[\w-]{43}$/, "an RFC 7638 SHA-256 thumbprint");

    const second = await openqod(["keys", "rotate", ...db]);
    assert.match(second.stdout, /^signing key \S+ now signs new tokens$/m);

    const listed = await openqod(["keys", "list", ...db, "--json"]);
    const keys = JSON.parse(listed.stdout) as KeyJson[];
    assert.equal(keys.length, 2);
    assert.equal(keys[0]?.active, true);
    assert.notEqual(keys[0]?.kid, one.kid);
    assert.equal(keys[1]?.kid, one.kid);
    assert.equal(keys[1]?.active, false);
    assert.equal(typeof keys[1]?.retiredAt, "number");
    const text = await openqod(["keys", "list", ...db]);
    assert.match(text.stdout, new RegExp(`^${one.kid}\\tcreated \\S+\\tretired `, "m"));
    assert.match(text.stdout, /\tSIGNING$/m);
  });
});
