import { NetworkAsCodeClient } from "@openqod/sdk";
import { type Command, Option } from "commander";
import { CliError, EXIT } from "./errors.ts";

export interface GlobalOptions {
  url: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  dialect: "v1" | "v0";
  json?: boolean;
}

/**
 * Adds --url, --token (or --client-id and --client-secret), --dialect and --json to a command that calls
 * the API. Each command carries its own, so `openqod listen --token` (an accepted notification token)
 * means what it says there.
 */
export function withApiOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--url <url>", "QoD API base URL").env("OPENQOD_URL").default("http://127.0.0.1:9091"),
    )
    .addOption(new Option("--token <key>", "API key").env("OPENQOD_TOKEN"))
    .addOption(
      new Option(
        "--client-id <id>",
        "OAuth2 client id instead of an API key: a token by client credentials from --url's token endpoint",
      ).env("OPENQOD_CLIENT_ID"),
    )
    .addOption(new Option("--client-secret <secret>", "OAuth2 client secret").env("OPENQOD_CLIENT_SECRET"))
    .addOption(
      new Option("--dialect <dialect>", "CAMARA v1 or Network-as-Code v0")
        .choices(["v1", "v0"])
        .default("v1"),
    )
    .option("--json", "print JSON");
}

/**
 * The SDK client from --url and --dialect, authenticated by --client-id/--client-secret (OAuth2 client
 * credentials, the token endpoint found by discovery at --url) or else --token (or their variables).
 * Client credentials win over OPENQOD_TOKEN from the environment, not over a --token flag.
 * @throws CliError (usage) for --client-id without --client-secret, or beside --token.
 */
export function clientFrom(command: Command): { client: NetworkAsCodeClient; options: GlobalOptions } {
  const options = command.opts<GlobalOptions>();
  const { clientId, clientSecret } = options;
  if (clientId === undefined && clientSecret === undefined) {
    const client = new NetworkAsCodeClient({
      baseUrl: options.url,
      dialect: options.dialect,
      ...(options.token === undefined ? {} : { token: options.token }),
    });
    return { client, options };
  }
  if (clientId === undefined || clientId === "" || clientSecret === undefined || clientSecret === "")
    throw new CliError(
      "OAuth2 client credentials need both --client-id and --client-secret (OPENQOD_CLIENT_ID, OPENQOD_CLIENT_SECRET)",
      EXIT.usage,
    );
  if (command.getOptionValueSource("token") === "cli")
    throw new CliError("give --token or --client-id with --client-secret, not both", EXIT.usage);
  const client = new NetworkAsCodeClient({
    baseUrl: options.url,
    dialect: options.dialect,
    oauth2: { issuer: options.url, clientId, clientSecret },
  });
  return { client, options };
}
