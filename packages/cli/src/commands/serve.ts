import { runServerCli } from "@openqod/server";
import { Command } from "commander";

export function serveCommand(): Command {
  return new Command("serve")
    .description(
      "run the OpenQoD server (the sandbox by default). Flags: --host --port --data-dir --public-url --no-sandbox " +
        "--sandbox-key --strict-properties --simulator-activation-delay --devices-file --profiles-file " +
        "--retry-schedule --delivery-timeout --delivery-concurrency --retention --session-cache " +
        "--sqlite-synchronous --database-url --database-pool --database-statement-timeout " +
        "--database-connect-timeout --delivery-lease --log-level (and OPENQOD_* variables; see the README)",
    )
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption("-h, --help", "show this help")
    .action((_flags: unknown, command: Command) => {
      runServerCli(["serve", ...command.args]);
    });
}
