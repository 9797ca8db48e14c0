import { Command } from "commander";
import { CliError } from "../errors.ts";

/** Commands of the CLI that used to be reached through the server's own argument parser. */
const OWN_COMMANDS = new Set(["clients", "deliveries"]);

export function serveCommand(): Command {
  return (
    new Command("serve")
      .description(
        "run the OpenQoD server: the sandbox on http://127.0.0.1:9091 by default (--help: every setting)",
      )
      .usage("[options]")
      // The server parses and validates its own settings (flags and OPENQOD_* variables, one table).
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(async (_flags: unknown, command: Command) => {
        const args = command.args;
        if (args.includes("--help") || args.includes("-h")) {
          const { serveHelp } = await import("@openqod/server");
          process.stdout.write(serveHelp());
          return;
        }
        if (OWN_COMMANDS.has(args[0] ?? "")) {
          throw new CliError(`"${args[0]}" is a command of its own: run \`openqod ${args.join(" ")}\``, 2);
        }
        // Loaded only here: the other commands start without the server's dependencies.
        const { runServerCli } = await import("@openqod/server");
        runServerCli(["serve", ...args]);
      })
  );
}
