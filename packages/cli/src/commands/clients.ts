import type { AdminClient } from "@openqod/server/admin";
import { Command } from "commander";
import { type AdminFlags, withAdmin, withDatabaseOptions } from "../admin-options.ts";
import { type ClientSettingFlags, settingsFrom } from "../client-settings.ts";
import { CliError, EXIT } from "../errors.ts";
import { bold, json, line } from "../output.ts";
import { webhookSecretCommand } from "./webhook-secret.ts";

type SettingFlags = AdminFlags & ClientSettingFlags;

/** The --scopes, --jwks-file and --jwks-uri of `create` and `update`. */
function withSettingOptions(command: Command): Command {
  return command
    .option(
      "--scopes <scopes>",
      'the scopes it may use, comma- or space-separated (e.g. "quality-on-demand:sessions:create,qos-profiles:read"); default all',
    )
    .option("--jwks-file <file>", "its public keys for private_key_jwt: a JWKS or one JWK, as JSON")
    .option(
      "--jwks-uri <url>",
      "where it publishes its JWKS for private_key_jwt (https://, or http:// on loopback)",
    );
}

/** Operator commands for API clients, on the server's database. Keys and secrets are shown once, when made. */
export function clientsCommand(): Command {
  const clients = new Command("clients").description(
    "API clients: their API keys, OAuth2 client secrets, scopes and keys (operator; opens the server's database directly)",
  );

  withSettingOptions(withDatabaseOptions(clients.command("create")))
    .description("create a client; prints its OAuth2 client id and secret and its API key, once")
    .argument("<name>", "the client's name")
    .action(async (name: string, flags: SettingFlags, command: Command) => {
      const settings = await settingsFrom(flags);
      const { created, allScopes } = await withAdmin(command, async (admin, { allScopes }) => ({
        created: await admin.clients.create(name, settings),
        allScopes,
      }));
      const scopes = settings.scopes ?? [...allScopes];
      if (flags.json)
        json({
          name,
          client_id: created.clientId,
          client_secret: created.secret,
          api_key: created.key,
          scopes,
        });
      else {
        line(`client ${bold(name)} created, with scopes ${scopes.join(" ")}. Shown only now:`);
        line(`client_id      ${created.clientId}`);
        line(`client_secret  ${created.secret}`);
        line(`API key        ${created.key}`);
      }
    });

  withDatabaseOptions(clients.command("list"))
    .description("list clients: name, id, created, scopes, whether a secret is set, REVOKED")
    .action(async (flags: AdminFlags, command: Command) => {
      const all = await withAdmin(command, (admin) => admin.clients.list());
      if (flags.json) json(all);
      else if (all.length === 0) line("no clients");
      else for (const c of all) line(listLine(c));
    });

  withDatabaseOptions(clients.command("rotate"))
    .description("give a client a new API key and client secret (or only one); the old ones stop working")
    .argument("<name>", "the client's name")
    .option("--key", "only the API key (the old one stops working within 5 s)")
    .option("--secret", "only the OAuth2 client secret (the old one stops working at once)")
    .action(
      async (name: string, flags: AdminFlags & { key?: boolean; secret?: boolean }, command: Command) => {
        const both = flags.key !== true && flags.secret !== true;
        const rotated = await withAdmin(command, async (admin) => ({
          ...(both || flags.key ? { api_key: await admin.clients.rotate(name) } : {}),
          ...(both || flags.secret ? { client_secret: await admin.clients.rotateSecret(name) } : {}),
        }));
        if (flags.json) json({ name, ...rotated });
        else {
          line(`client ${bold(name)} has new credentials, shown only now:`);
          if (rotated.client_secret !== undefined) line(`client_secret  ${rotated.client_secret}`);
          if (rotated.api_key !== undefined) line(`API key        ${rotated.api_key}`);
        }
      },
    );

  withSettingOptions(withDatabaseOptions(clients.command("update")))
    .description(
      "change a client's scopes or private_key_jwt keys; tokens already issued keep theirs until they expire",
    )
    .argument("<name>", "the client's name")
    .action(async (name: string, flags: SettingFlags, command: Command) => {
      const settings = await settingsFrom(flags);
      if (Object.keys(settings).length === 0)
        throw new CliError("give what to change: --scopes, --jwks-file or --jwks-uri", EXIT.usage);
      const { updated, allScopes } = await withAdmin(command, async (admin, { allScopes }) => ({
        updated: await admin.clients.update(name, settings),
        allScopes,
      }));
      const scopes = updated.scopes ?? [...allScopes];
      if (flags.json)
        json({
          name,
          client_id: updated.id,
          scopes,
          jwks: updated.jwks,
          jwks_uri: updated.jwksUri,
        });
      else line(`client ${bold(name)} updated: scopes ${scopes.join(" ")}${keysText(updated)}`);
    });

  withDatabaseOptions(clients.command("revoke"))
    .description(
      "revoke a client: its key, its secret and its tokens stop working; its sessions stay until they end",
    )
    .argument("<name>", "the client's name")
    .action(async (name: string, flags: AdminFlags, command: Command) => {
      const revoked = await withAdmin(command, (admin) => admin.clients.revoke(name));
      if (!revoked) throw new CliError(`no active client ${name}`);
      if (flags.json) json({ name, revoked: true });
      else line(`client ${name} revoked`);
    });

  webhookSecretCommand(clients);
  return clients;
}

/** Tab-separated, so scripts can cut columns: name, id, created, scopes, secret, REVOKED. */
function listLine(c: AdminClient): string {
  const scopes = c.scopes === null ? "all scopes" : c.scopes.join(",");
  return [
    c.name,
    c.id,
    `created ${new Date(c.createdAt).toISOString()}`,
    scopes,
    c.hasSecret ? "secret set" : "no secret",
    ...(c.revokedAt ? ["REVOKED"] : []),
  ].join("\t");
}

function keysText(c: AdminClient): string {
  const keys = [
    ...(c.jwks === null
      ? []
      : [`${c.jwks.keys.length} registered key${c.jwks.keys.length === 1 ? "" : "s"}`]),
    ...(c.jwksUri === null ? [] : [`keys at ${c.jwksUri}`]),
  ];
  return keys.length === 0 ? "" : `; ${keys.join(", ")}`;
}
