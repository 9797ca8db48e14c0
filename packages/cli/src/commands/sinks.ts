import type { Sink } from "@openqod/sdk";
import { Command } from "commander";
import { clientFrom, withApiOptions } from "../client.ts";
import { dim, green, json, line, red, yellow } from "../output.ts";

/** A sink's health on one line: origin, state, failures, recent success rate, backlog. */
function sinkLine(s: Sink): string {
  const state =
    s.state === "active" ? green("active") : s.pausedBy === "breaker" ? red("paused") : yellow("paused");
  const by = s.pausedBy === undefined ? "" : ` by ${s.pausedBy}`;
  const probe = s.nextProbeAt === undefined ? "" : `  next probe ${s.nextProbeAt}`;
  const rate =
    s.recentSuccessRate === undefined
      ? "no attempts"
      : `${Math.round(s.recentSuccessRate * 100)}% of ${s.recentAttempts}`;
  return `${s.origin}  ${state}${by}  ${s.consecutiveFailures} failing  ${dim(rate)}  backlog ${s.backlog}${probe}`;
}

/** Each sink origin's health, over the API; pausing and resuming for operators. */
export function sinksCommand(): Command {
  const sinks = new Command("sinks").description(
    "the health of each sink origin your notifications go to (circuit breaker, failures, backlog); pause and resume (operators)",
  );

  withApiOptions(sinks.command("list", { isDefault: true }))
    .description("every sink origin your notifications go to (an operator's: every one)")
    .action(async (_flags: unknown, command: Command) => {
      const { client, options } = clientFrom(command);
      const found = await client.sinks.list();
      if (options.json) json(found);
      else if (found.length === 0) line("no sinks yet");
      else for (const s of found) line(sinkLine(s));
    });

  for (const [action, what] of [
    [
      "pause",
      "stop all attempts at an origin (no probes either) until resumed; needs the openqod:operator scope",
    ],
    [
      "resume",
      "resume a paused origin: its backlog goes out at once, in order; needs the openqod:operator scope",
    ],
  ] as const) {
    withApiOptions(sinks.command(action))
      .description(what)
      .argument("<origin>", "scheme://host[:port]")
      .action(async (origin: string, _flags: unknown, command: Command) => {
        const { client, options } = clientFrom(command);
        const sink =
          action === "pause" ? await client.sinks.pause(origin) : await client.sinks.resume(origin);
        if (options.json) json(sink);
        else line(sinkLine(sink));
      });
  }

  return sinks;
}
