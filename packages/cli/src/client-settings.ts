import { readFile } from "node:fs/promises";
import type { ClientSettings, JwksDocument } from "@openqod/server/admin";
import { CliError, EXIT } from "./errors.ts";

/** The flags of `clients create` and `clients update` that set what a client may do and how it signs. */
export interface ClientSettingFlags {
  scopes?: string;
  jwksFile?: string;
  jwksUri?: string;
}

/** `--scopes "a b"` or `--scopes a,b`: the names, without blanks. */
export function parseScopes(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== "");
}

/**
 * The settings the flags name; a flag left out is left out (so `update` keeps that field).
 * @throws CliError (usage) for a JWKS file that cannot be read or is not JSON.
 */
export async function settingsFrom(flags: ClientSettingFlags): Promise<ClientSettings> {
  const settings: ClientSettings = {};
  if (flags.scopes !== undefined) settings.scopes = parseScopes(flags.scopes);
  if (flags.jwksFile !== undefined) settings.jwks = await readJwks(flags.jwksFile);
  if (flags.jwksUri !== undefined) settings.jwksUri = flags.jwksUri;
  return settings;
}

/** A JWKS file, or a file of one public JWK (as most tools export a key), as a JWKS. */
async function readJwks(file: string): Promise<JwksDocument> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new CliError(`--jwks-file ${file}: cannot read it (${String(code ?? error)})`, EXIT.usage);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(
      `--jwks-file ${file}: not JSON; give a JWKS ({"keys": [ … ]}) or one public JWK`,
      EXIT.usage,
    );
  }
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
    if ("keys" in parsed) return parsed as JwksDocument;
    return { keys: [parsed as Record<string, unknown>] };
  }
  throw new CliError(`--jwks-file ${file}: give a JWKS ({"keys": [ … ]}) or one public JWK`, EXIT.usage);
}
