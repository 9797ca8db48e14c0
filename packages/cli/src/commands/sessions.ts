import type { QodSession, QosStatus } from "@openqod/sdk";
import { Command, Option } from "commander";
import { clientFrom, withApiOptions } from "../client.ts";
import {
  type DeviceFlags,
  deviceFrom,
  hasDevice,
  parsePositive,
  withDeviceOptions,
} from "../device-options.ts";
import { json, line, sessionLine } from "../output.ts";

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function show(session: QodSession, asJson: boolean | undefined): void {
  if (asJson) json(session);
  else line(sessionLine(session));
}

export function sessionsCommand(): Command {
  const sessions = new Command("sessions").description("create, read, list, extend and delete QoD sessions");

  withApiOptions(
    withDeviceOptions(
      sessions
        .command("create")
        .description("create a QoD session for a device")
        .requiredOption("--profile <name>", "QoS profile, e.g. QOS_L")
        .option("--service-ipv4 <address>", "application server IPv4 address, optionally /prefix")
        .option("--service-ipv6 <address>", "application server IPv6 address, optionally /prefix")
        .option("--duration <seconds>", "session duration", parsePositive)
        .option("--notification-url <url>", "where status notifications are POSTed")
        .option("--notification-token <token>", "bearer token sent with the notifications"),
    ),
  ).action(async (flags: DeviceFlags & Record<string, string | number | undefined>, command: Command) => {
    const { client, options } = clientFrom(command);
    const session = await client.devices.get(deviceFrom(flags)).createQodSession({
      profile: String(flags.profile),
      ...(flags.serviceIpv4 === undefined ? {} : { serviceIpv4: String(flags.serviceIpv4) }),
      ...(flags.serviceIpv6 === undefined ? {} : { serviceIpv6: String(flags.serviceIpv6) }),
      ...(flags.duration === undefined ? {} : { duration: Number(flags.duration) }),
      ...(flags.notificationUrl === undefined ? {} : { notificationUrl: String(flags.notificationUrl) }),
      ...(flags.notificationToken === undefined
        ? {}
        : { notificationAuthToken: String(flags.notificationToken) }),
    });
    show(session, options.json);
  });

  withApiOptions(sessions.command("get"))
    .description("show a session")
    .argument("<sessionId>")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client, options } = clientFrom(command);
      show(await client.sessions.get(id), options.json);
    });

  withApiOptions(
    withDeviceOptions(
      sessions
        .command("list")
        .description("list your sessions: all of them, or one device's (give its identifier)")
        .addOption(
          new Option("--status <status>", "only sessions in this status").choices([
            "REQUESTED",
            "AVAILABLE",
            "UNAVAILABLE",
          ]),
        ),
    ),
  ).action(async (flags: DeviceFlags & { status?: QosStatus }, command: Command) => {
    const { client, options } = clientFrom(command);
    const found = hasDevice(flags)
      ? await client.devices.get(deviceFrom(flags)).sessions()
      : await collect(client.sessions.all(flags.status === undefined ? {} : { status: flags.status }));
    const shown = flags.status === undefined ? found : found.filter((s) => s.status === flags.status);
    if (options.json) json(shown);
    else if (shown.length === 0) line("no sessions");
    else for (const s of shown) line(sessionLine(s));
  });

  withApiOptions(sessions.command("extend"))
    .description("add seconds to an AVAILABLE session")
    .argument("<sessionId>")
    .argument("<seconds>", "seconds to add", parsePositive)
    .action(async (id: string, seconds: number, _flags: unknown, command: Command) => {
      const { client, options } = clientFrom(command);
      const session = await client.sessions.get(id);
      show(await session.extend(seconds), options.json);
    });

  withApiOptions(sessions.command("delete"))
    .description("delete a session")
    .argument("<sessionId>")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client, options } = clientFrom(command);
      const session = await client.sessions.get(id);
      await session.delete();
      if (options.json) json({ deleted: id });
      else line(`deleted ${id}`);
    });

  return sessions;
}
