import { Command } from "commander";
import { type AdminFlags, withAdmin, withDatabaseOptions } from "../admin-options.ts";
import { bold, json, line } from "../output.ts";

/** Operator commands for the authorization server's token signing keys, on the server's database. */
export function keysCommand(): Command {
  const keys = new Command("keys").description(
    "the signing keys of the built-in authorization server's tokens (operator; opens the server's database directly)",
  );

  withDatabaseOptions(keys.command("rotate"))
    .description(
      "make a new key sign tokens; the old one verifies until its tokens expire (servers switch within a minute)",
    )
    .action(async (flags: AdminFlags, command: Command) => {
      const key = await withAdmin(command, (admin) => admin.signingKeys.rotate());
      if (flags.json) json(key);
      else line(`signing key ${bold(key.kid)} now signs new tokens`);
    });

  withDatabaseOptions(keys.command("list"))
    .description("list the signing keys, newest first")
    .action(async (flags: AdminFlags, command: Command) => {
      const all = await withAdmin(command, (admin) => admin.signingKeys.list());
      if (flags.json) json(all);
      else if (all.length === 0) line("no signing keys yet (a server makes one when it starts)");
      else
        for (const k of all) {
          // Tab-separated, so scripts can cut columns.
          const state = k.active ? "SIGNING" : `retired ${new Date(k.retiredAt ?? 0).toISOString()}`;
          line(`${k.kid}\tcreated ${new Date(k.createdAt).toISOString()}\t${state}`);
        }
    });

  return keys;
}
