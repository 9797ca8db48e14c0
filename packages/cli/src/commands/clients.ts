import { Command } from "commander";
import { type AdminFlags, withAdmin, withDatabaseOptions } from "../admin-options.ts";
import { CliError } from "../errors.ts";
import { bold, json, line } from "../output.ts";

/** Operator commands for API clients, on the server's database. A key is shown once, when it is made. */
export function clientsCommand(): Command {
  const clients = new Command("clients").description(
    "API clients and their keys (operator; opens the server's database directly)",
  );

  withDatabaseOptions(clients.command("create"))
    .description("create an API client; prints its key once")
    .argument("<name>", "the client's name")
    .action(async (name: string, flags: AdminFlags, command: Command) => {
      const created = await withAdmin(command, (admin) => admin.clients.create(name));
      if (flags.json) json({ name, client_id: created.clientId, api_key: created.key });
      else {
        line(`client ${bold(name)} (${created.clientId}) created. Its API key, shown only now:`);
        line(created.key);
      }
    });

  withDatabaseOptions(clients.command("list"))
    .description("list API clients")
    .action(async (flags: AdminFlags, command: Command) => {
      const all = await withAdmin(command, (admin) => admin.clients.list());
      if (flags.json) json(all);
      else if (all.length === 0) line("no clients");
      else
        for (const c of all) {
          // Tab-separated, so scripts can cut columns.
          line(
            `${c.name}\t${c.id}\tcreated ${new Date(c.createdAt).toISOString()}${c.revokedAt ? "\tREVOKED" : ""}`,
          );
        }
    });

  withDatabaseOptions(clients.command("rotate"))
    .description("give a client a new key; the old one stops working within 5 s")
    .argument("<name>", "the client's name")
    .action(async (name: string, flags: AdminFlags, command: Command) => {
      const key = await withAdmin(command, (admin) => admin.clients.rotate(name));
      if (flags.json) json({ name, api_key: key });
      else {
        line(`client ${bold(name)} has a new API key, shown only now:`);
        line(key);
      }
    });

  withDatabaseOptions(clients.command("revoke"))
    .description("revoke a client's key; its sessions stay until they end")
    .argument("<name>", "the client's name")
    .action(async (name: string, flags: AdminFlags, command: Command) => {
      const revoked = await withAdmin(command, (admin) => admin.clients.revoke(name));
      if (!revoked) throw new CliError(`no active client ${name}`);
      if (flags.json) json({ name, revoked: true });
      else line(`client ${name} revoked`);
    });

  return clients;
}
