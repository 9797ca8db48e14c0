import { APIConnectionError, APIError, ValidationError } from "@openqod/sdk";
import { Command, CommanderError } from "commander";
import { demoCommand } from "./commands/demo.ts";
import { listenCommand } from "./commands/listen.ts";
import { profilesCommand } from "./commands/profiles.ts";
import { serveCommand } from "./commands/serve.ts";
import { sessionsCommand } from "./commands/sessions.ts";
import { red } from "./output.ts";

/** Exit codes: 0 ok, 1 the API or the network said no, 2 usage. */
const EXIT = { ok: 0, api: 1, usage: 2 } as const;

const program = new Command("openqod")
  .description("OpenQoD: Quality-on-Demand sessions from a terminal (OPENQOD_URL, OPENQOD_TOKEN)")
  .version("0.1.0")
  .enablePositionalOptions()
  .showHelpAfterError()
  .exitOverride()
  .addCommand(serveCommand())
  .addCommand(listenCommand())
  .addCommand(sessionsCommand())
  .addCommand(profilesCommand())
  .addCommand(demoCommand());

for (const command of program.commands) {
  command.exitOverride();
  for (const sub of command.commands) sub.exitOverride();
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  if (error instanceof ValidationError) {
    process.stderr.write(`${red("error")}: ${error.message}\n`);
    process.exit(EXIT.usage);
  }
  if (error instanceof APIError) {
    process.stderr.write(`${red("error")}: ${error.code} ${error.message.replace(/^\d+ \S+: /, "")}\n`);
    process.exit(EXIT.api);
  }
  if (error instanceof APIConnectionError) {
    process.stderr.write(`${red("error")}: ${error.message}\n`);
    process.exit(EXIT.api);
  }
  throw error;
}
