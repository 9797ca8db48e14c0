import type { WebhookSecret } from "@openqod/server/admin";
import type { Command } from "commander";
import { type AdminFlags, withAdmin, withDatabaseOptions } from "../admin-options.ts";
import { CliError, EXIT } from "../errors.ts";
import { bold, json, line } from "../output.ts";

type Flags = AdminFlags & { rotate?: boolean; grace?: string; off?: boolean };

/**
 * `openqod clients webhook-secret NAME [--rotate [--grace 24h]] [--off]`: a client's Standard Webhooks
 * signing secrets, on the server's database. Secrets are shown: the client gives them to its receiver.
 * Without --grace a rotation takes OPENQOD_WEBHOOK_SECRET_GRACE, as the server's API does.
 */
export function webhookSecretCommand(clients: Command): void {
  withDatabaseOptions(clients.command("webhook-secret"))
    .description(
      "a client's webhook signing secrets (Standard Webhooks); --rotate makes a new one (signing on), --off deletes them (signing off)",
    )
    .argument("<name>", "the client's name")
    .option("--rotate", "make a new current secret; the previous one still signs for --grace")
    .option(
      "--grace <duration>",
      "with --rotate: how long the previous secret still signs, at most 168h (0: not at all; default: the server's OPENQOD_WEBHOOK_SECRET_GRACE, 24h)",
    )
    .option("--off", "delete every secret: notifications go out unsigned")
    .action(async (name: string, flags: Flags, command: Command) => {
      if (flags.rotate && flags.off) throw new CliError("give --rotate or --off, not both", EXIT.usage);
      // Loaded here, as withAdmin loads the server: other commands start without it.
      const { parseDurationMs } = await import("@openqod/server/config");
      const graceMs = flags.grace === undefined ? undefined : parseDurationMs(flags.grace);
      if (graceMs === null)
        throw new CliError(
          `--grace: expected a duration such as 24h, 30m or 0; got ${flags.grace}`,
          EXIT.usage,
        );
      const secrets = await withAdmin(command, async (admin) => {
        if (flags.off) await admin.webhookSecrets.delete(name);
        else if (flags.rotate) return admin.webhookSecrets.rotate(name, graceMs);
        return admin.webhookSecrets.get(name);
      });
      if (flags.json) json({ name, secrets });
      else if (secrets.length === 0) line(`client ${bold(name)}: notifications are not signed`);
      else for (const s of secrets) line(secretLine(s));
    });
}

/** Tab-separated: the secret, then `current` or when it stops signing, then when it was made. */
export function secretLine(s: Pick<WebhookSecret, "secret" | "createdAt" | "retiresAt">): string {
  return [
    s.secret,
    s.retiresAt === undefined ? "current" : `retires ${s.retiresAt}`,
    `created ${s.createdAt}`,
  ].join("\t");
}
