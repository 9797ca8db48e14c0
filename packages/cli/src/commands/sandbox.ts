import { Argument, Command } from "commander";
import { clientFrom, withApiOptions } from "../client.ts";
import { json, line, sessionLine } from "../output.ts";

const KINDS = ["GRANTED", "REFUSED", "NOT_GUARANTEED", "GUARANTEED", "TERMINATED"] as const;

/**
 * What a real network does on its own, on demand, in the sandbox (`/sandbox/v1`): so an app can be
 * tested against a session that the network ends, or whose time runs out, without waiting.
 */
export function sandboxCommand(): Command {
  const sandbox = new Command("sandbox").description(
    "make the sandbox's network act: terminate a session, send an event for it, lose it, or expire it now",
  );

  withApiOptions(sandbox.command("terminate"))
    .description("the network terminates the session: UNAVAILABLE / NETWORK_TERMINATED, notified")
    .argument("<sessionId>")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client, options } = clientFrom(command);
      const session = await client.sandbox.networkTerminate(id);
      if (options.json) json(session);
      else line(sessionLine(session));
    });

  withApiOptions(sandbox.command("event"))
    .description(
      "the network reports an event: GRANTED (REQUESTED -> AVAILABLE), REFUSED or TERMINATED (UNAVAILABLE), " +
        "NOT_GUARANTEED or GUARANTEED (stays AVAILABLE, not notified)",
    )
    .argument("<sessionId>")
    .addArgument(new Argument("<kind>").choices(KINDS))
    .action(async (id: string, kind: (typeof KINDS)[number], _flags: unknown, command: Command) => {
      const { client, options } = clientFrom(command);
      const session = await client.sandbox.networkEvent(id, kind);
      if (options.json) json(session);
      else line(sessionLine(session));
    });

  withApiOptions(sandbox.command("lose"))
    .description("the network loses the session's reservation silently; the server's reconciliation ends it")
    .argument("<sessionId>")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client } = clientFrom(command);
      await client.sandbox.networkLoss(id);
      line(`session ${id}: the network no longer holds it`);
    });

  withApiOptions(sandbox.command("expire"))
    .description("the session's time runs out now: UNAVAILABLE / DURATION_EXPIRED, notified")
    .argument("<sessionId>")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client, options } = clientFrom(command);
      const session = await client.sandbox.expire(id);
      if (options.json) json(session);
      else line(sessionLine(session));
    });

  return sandbox;
}
