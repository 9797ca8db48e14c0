import { Command } from "commander";
import { clientsCommand } from "./commands/clients.ts";
import { deliveriesCommand } from "./commands/deliveries.ts";
import { demoCommand } from "./commands/demo.ts";
import { keysCommand } from "./commands/keys.ts";
import { labCommand } from "./commands/lab.ts";
import { listenCommand } from "./commands/listen.ts";
import { nefEmulatorCommand } from "./commands/nef-emulator.ts";
import { notificationsCommand } from "./commands/notifications.ts";
import { profilesCommand } from "./commands/profiles.ts";
import { sandboxCommand } from "./commands/sandbox.ts";
import { serveCommand } from "./commands/serve.ts";
import { sessionsCommand } from "./commands/sessions.ts";
import { sinksCommand } from "./commands/sinks.ts";
import { webhookSecretsCommand } from "./commands/webhook-secrets.ts";
import { describeFailure } from "./errors.ts";
import { red } from "./output.ts";

const program = new Command("openqod")
  .description(
    "OpenQoD: Quality-on-Demand from a terminal. API commands read OPENQOD_URL and OPENQOD_TOKEN (or --url, --token), or OAuth2 client credentials from OPENQOD_CLIENT_ID and OPENQOD_CLIENT_SECRET (--client-id, --client-secret).",
  )
  .version("0.1.0")
  .enablePositionalOptions()
  .showHelpAfterError()
  .addHelpText(
    "after",
    "\nStart here:\n  openqod serve      the sandbox on http://127.0.0.1:9091 (prints its API key)\n  openqod demo       the whole QoD flow against an in-process sandbox\n  openqod lab        real traffic, shaped: a test network in namespaces (root)\n\nEvery command has --help.",
  )
  .addCommand(serveCommand())
  .addCommand(demoCommand())
  .addCommand(sessionsCommand())
  .addCommand(profilesCommand())
  .addCommand(listenCommand())
  .addCommand(notificationsCommand())
  .addCommand(sinksCommand())
  .addCommand(webhookSecretsCommand())
  .addCommand(sandboxCommand())
  .addCommand(clientsCommand())
  .addCommand(keysCommand())
  .addCommand(deliveriesCommand())
  .addCommand(nefEmulatorCommand())
  .addCommand(labCommand());

/** Every command, however deep, reports usage errors by throwing instead of exiting. */
function overrideExits(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) overrideExits(sub);
}
overrideExits(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const failure = describeFailure(error);
  if (failure === null) throw error;
  if (failure.message !== "") process.stderr.write(`${red("error")}: ${failure.message}\n`);
  process.exit(failure.exitCode);
}
