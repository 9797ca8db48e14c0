import { Command } from "commander";
import { clientFrom, withApiOptions } from "../client.ts";
import { json, line, notificationLines } from "../output.ts";

/** A session's notifications and their delivery attempts, over the API, as the session's owner. */
export function notificationsCommand(): Command {
  const notifications = new Command("notifications").description(
    "your sessions' notifications: every delivery attempt, and redelivery now",
  );

  withApiOptions(notifications.command("list"))
    .description("a session's notifications, each with its state and every delivery attempt")
    .argument("<sessionId>")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client, options } = clientFrom(command);
      const found = await client.notifications.list(id);
      if (options.json) json(found);
      else if (found.length === 0) line(`no notifications for session ${id}`);
      else for (const n of found) for (const l of notificationLines(n)) line(l);
    });

  withApiOptions(notifications.command("redeliver"))
    .description("try a notification again now (pending, failed or delivered); the attempt is recorded")
    .argument("<notificationId>", "the notification's id (its CloudEvent id)")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client, options } = clientFrom(command);
      const n = await client.notifications.redeliver(id);
      if (options.json) json(n);
      else line(`notification ${id} queued for delivery now to ${n.sink}`);
    });

  return notifications;
}
