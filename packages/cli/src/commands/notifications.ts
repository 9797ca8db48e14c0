import { Command } from "commander";
import { clientFrom, withApiOptions } from "../client.ts";
import { CliError, EXIT } from "../errors.ts";
import { json, line, notificationLines } from "../output.ts";

/** A session's notifications and their delivery attempts, over the API, as the session's owner. */
export function notificationsCommand(): Command {
  const notifications = new Command("notifications").description(
    "your sessions' notifications: every delivery attempt, redelivery now, and recovery of what a sink missed",
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

  withApiOptions(notifications.command("recover"))
    .description(
      "send again every notification of a sink that was never delivered (failed, expired, pending), created in [--since, --until); at most 7 days, 1000 a call; delivered ones are never resent",
    )
    .option("--sink <url>", "the sink URL, as `notifications list` shows it")
    .option("--origin <origin>", "instead of --sink: every sink of an origin, scheme://host[:port]")
    .requiredOption("--since <time>", "RFC 3339: notifications created at or after it")
    .option("--until <time>", "RFC 3339, exclusive (default: now)")
    .option("--cursor <cursor>", "go on after an earlier call that said more (the same other options)")
    .action(
      async (
        flags: { sink?: string; origin?: string; since: string; until?: string; cursor?: string },
        command: Command,
      ) => {
        if ((flags.sink === undefined) === (flags.origin === undefined)) {
          throw new CliError("give one of --sink and --origin", EXIT.usage);
        }
        const { client, options } = clientFrom(command);
        const result = await client.notifications.recover({
          ...(flags.sink === undefined ? {} : { sink: flags.sink }),
          ...(flags.origin === undefined ? {} : { origin: flags.origin }),
          since: flags.since,
          ...(flags.until === undefined ? {} : { until: flags.until }),
          ...(flags.cursor === undefined ? {} : { cursor: flags.cursor }),
        });
        if (options.json) json(result);
        else {
          line(
            `recovered ${result.recovered}, already pending ${result.alreadyPending} (due now), skipped ${result.skipped} (token expired or gone)`,
          );
          if (result.more) {
            line(`more to recover: run again with the same options and --cursor ${result.nextCursor}`);
          }
        }
      },
    );

  return notifications;
}
