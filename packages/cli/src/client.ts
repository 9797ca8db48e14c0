import { NetworkAsCodeClient } from "@openqod/sdk";
import { type Command, Option } from "commander";

export interface GlobalOptions {
  url: string;
  token?: string;
  dialect: "v1" | "v0";
  json?: boolean;
}

/**
 * Adds --url, --token, --dialect and --json to a command that calls the API. Each command carries its
 * own, so `openqod listen --token` (an accepted notification token) means what it says there.
 */
export function withApiOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--url <url>", "QoD API base URL").env("OPENQOD_URL").default("http://127.0.0.1:9091"),
    )
    .addOption(new Option("--token <key>", "API key").env("OPENQOD_TOKEN"))
    .addOption(
      new Option("--dialect <dialect>", "CAMARA v1 or Network-as-Code v0")
        .choices(["v1", "v0"])
        .default("v1"),
    )
    .option("--json", "print JSON");
}

/** The SDK client from --url/--token (or OPENQOD_URL/OPENQOD_TOKEN) and --dialect. */
export function clientFrom(command: Command): { client: NetworkAsCodeClient; options: GlobalOptions } {
  const options = command.opts<GlobalOptions>();
  const client = new NetworkAsCodeClient({
    baseUrl: options.url,
    dialect: options.dialect,
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  return { client, options };
}
