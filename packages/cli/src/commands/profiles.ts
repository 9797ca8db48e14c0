import { Command, Option } from "commander";
import { clientFrom, withApiOptions } from "../client.ts";
import { json, line } from "../output.ts";

export function profilesCommand(): Command {
  const profiles = new Command("profiles").description("the provider's QoS profiles");

  withApiOptions(profiles.command("list"))
    .description("list QoS profiles")
    .addOption(
      new Option("--status <status>", "only profiles in this status").choices([
        "ACTIVE",
        "INACTIVE",
        "DEPRECATED",
      ]),
    )
    .action(async (flags: { status?: "ACTIVE" | "INACTIVE" | "DEPRECATED" }, command: Command) => {
      const { client, options } = clientFrom(command);
      const found = await client.qosProfiles.list(flags.status === undefined ? {} : { status: flags.status });
      if (options.json) json(found);
      else for (const p of found) line(`${p.name}  ${p.status}  ${p.description ?? ""}`.trimEnd());
    });

  withApiOptions(profiles.command("get"))
    .description("show one QoS profile")
    .argument("<name>")
    .action(async (name: string, _flags: unknown, command: Command) => {
      const { client } = clientFrom(command);
      json(await client.qosProfiles.get(name));
    });

  return profiles;
}
