import { Command, InvalidArgumentError } from "commander";
import { clientFrom, withApiOptions } from "../client.ts";
import { bold, json, line } from "../output.ts";
import { secretLine } from "./webhook-secret.ts";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `90`, `90s`, `30m` or `24h` as whole seconds, for the API's graceSeconds. */
function parseGraceSeconds(value: string): number {
  const match = /^(\d+)([smh])?$/.exec(value.trim());
  if (!match?.[1]) throw new InvalidArgumentError("a duration such as 24h, 30m, 90s or 0");
  return Number(match[1]) * (UNIT_SECONDS[match[2] ?? "s"] ?? 1);
}

/**
 * `openqod webhook-secrets [get|rotate|delete]`: your own client's Standard Webhooks signing secrets,
 * over the API (what `openqod clients webhook-secret` does for any client on the database).
 */
export function webhookSecretsCommand(): Command {
  const secrets = new Command("webhook-secrets").description(
    "the secrets that sign your notifications (Standard Webhooks): show, rotate (signing on) or delete (signing off)",
  );
  const print = (
    found: readonly { secret: string; createdAt: string; retiresAt?: string }[],
    asJson: boolean,
  ) => {
    if (asJson) json({ secrets: found });
    else if (found.length === 0) line(`your notifications are ${bold("not signed")}`);
    else for (const s of found) line(secretLine(s));
  };

  withApiOptions(secrets.command("get", { isDefault: true }))
    .description("the secrets that sign now, the current one first")
    .action(async (_flags: unknown, command: Command) => {
      const { client, options } = clientFrom(command);
      print(await client.webhookSecrets.get(), options.json === true);
    });

  withApiOptions(secrets.command("rotate"))
    .description(
      "make a new current secret (the first turns signing on); the previous one still signs for --grace",
    )
    .option(
      "--grace <duration>",
      "how long the previous secret still signs: 24h, 30m, 90s, 0 (default: the server's, 24h)",
      parseGraceSeconds,
    )
    .action(async (flags: { grace?: number }, command: Command) => {
      const { client, options } = clientFrom(command);
      const rotated = await client.webhookSecrets.rotate(
        flags.grace === undefined ? {} : { graceSeconds: flags.grace },
      );
      print(rotated, options.json === true);
    });

  withApiOptions(secrets.command("delete"))
    .description("delete every secret: your notifications go out unsigned")
    .action(async (_flags: unknown, command: Command) => {
      const { client, options } = clientFrom(command);
      await client.webhookSecrets.delete();
      print([], options.json === true);
    });

  return secrets;
}
