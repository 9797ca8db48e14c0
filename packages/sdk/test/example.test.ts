import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { startServerProcess } from "../../server/test/helpers/process.ts";

const EXAMPLE = fileURLToPath(new URL("../../../examples/seed-flow.ts", import.meta.url));

test("examples/seed-flow.ts runs the seed's whole flow against the sandbox", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "openqod-example-"));
  const key = "example-key-0123456789abcdef";
  const server = await startServerProcess({ OPENQOD_DATA_DIR: dataDir, OPENQOD_SANDBOX_KEY: key });
  try {
    const run = spawn(process.execPath, ["--import", "tsx", EXAMPLE], {
      env: { ...process.env, OPENQOD_URL: server.url, OPENQOD_TOKEN: key },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    run.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    run.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => run.once("exit", resolve));
    assert.equal(code, 0, output);
    assert.match(output, /session [0-9a-f-]{36}: AVAILABLE until \d{4}-/);
    assert.match(output, /received: AVAILABLE, UNAVAILABLE\/DELETE_REQUESTED/);
    assert.match(output, /QodSession \{/, "the device's sessions are printed");
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
});
