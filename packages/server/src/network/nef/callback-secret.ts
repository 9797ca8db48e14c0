import { randomBytes } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The key of the callback URLs' secrets: OPENQOD_NEF_CALLBACK_SECRET, or generated on first start and kept
 * in DATA_DIR/nef-callback-secret (mode 0600), so the URLs given to the NEF stay valid across restarts.
 * (With PostgreSQL the setting is required: config.ts checks it.)
 */
export async function callbackSecret(given: string | null, dataDir: string): Promise<string> {
  if (given !== null) return given;
  const file = join(dataDir, "nef-callback-secret");
  const saved = await readFile(file, "utf8").then(
    (text) => text.trim(),
    () => "",
  );
  if (saved !== "") return saved;
  const key = randomBytes(32).toString("base64url");
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return key;
}
