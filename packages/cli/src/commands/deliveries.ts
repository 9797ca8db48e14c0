import { Command } from "commander";
import { type AdminFlags, withAdmin, withDatabaseOptions } from "../admin-options.ts";
import { CliError } from "../errors.ts";
import { json, line, notificationLines } from "../output.ts";

/**
 * Operator view of notifications, any client's, straight from the server's database: for support, when
 * the session's owner cannot (or should not need to) look.
 */
export function deliveriesCommand(): Command {
  const deliveries = new Command("deliveries").description(
    "any session's notifications and delivery attempts; redeliver (operator; opens the database directly)",
  );

  withDatabaseOptions(deliveries.command("list", { isDefault: true }))
    .description("a session's notifications and every delivery attempt")
    .argument("<sessionId>")
    .action(async (id: string, flags: AdminFlags, command: Command) => {
      const found = await withAdmin(command, (admin) => admin.deliveries(id));
      if (flags.json) json(found);
      else if (found.length === 0) throw new CliError(`no notifications for session ${id}`);
      else for (const n of found) for (const l of notificationLines(n)) line(l);
    });

  withDatabaseOptions(deliveries.command("redeliver"))
    .description("try a notification again now; a running server sends it at once")
    .argument("<notificationId>", "the notification's id (its CloudEvent id)")
    .action(async (id: string, flags: AdminFlags, command: Command) => {
      const n = await withAdmin(command, (admin) => admin.redeliver(id));
      if (n === undefined) throw new CliError(`no notification ${id}`);
      if (flags.json) json(n);
      else line(`notification ${id} queued for delivery now to ${n.sink}`);
    });

  return deliveries;
}
