import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QodEvent } from "@openqod/receiver";
import { NetworkAsCodeClient } from "@openqod/sdk";
import { Command } from "commander";
import { dim, eventLine, green, line, sessionLine } from "../output.ts";
import { startListener } from "./listen.ts";

/**
 * The seed's whole flow in one command: a sandbox and a receiver in this process, a device, a session
 * with a notification URL and token, the device's sessions, an extension, a deletion, and each
 * notification printed as it arrives.
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("run the seed's whole QoD flow against an in-process sandbox")
    .action(async () => {
      // Loaded only here: the other commands start without the server's dependencies.
      const { createOpenQod, loadConfig } = await import("@openqod/server");
      const dataDir = await mkdtemp(join(tmpdir(), "openqod-demo-"));
      const key = `demo-${randomBytes(16).toString("hex")}`;
      const openqod = await createOpenQod({
        config: loadConfig([], { OPENQOD_DATA_DIR: dataDir, OPENQOD_SANDBOX_KEY: key, OPENQOD_PORT: "0" }),
      });
      const events: QodEvent[] = [];
      let arrived: () => void = () => {};
      const listener = await startListener({
        host: "127.0.0.1",
        port: 0,
        path: "/qod",
        tokens: ["my-token"],
        onEvent: (event) => {
          events.push(event);
          line(`  ${green("←")} notification ${eventLine(event)}`);
          arrived();
        },
      });
      const waitFor = (count: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`only ${events.length} of ${count} notifications arrived`)),
            10_000,
          );
          arrived = () => {
            if (events.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          };
          arrived();
        });
      try {
        await openqod.app.listen({ host: "127.0.0.1", port: 0 });
        openqod.startWorkers();
        const baseUrl = `http://127.0.0.1:${(openqod.app.server.address() as AddressInfo).port}`;
        line(dim(`sandbox ${baseUrl}, receiver ${listener.url}`));

        const client = new NetworkAsCodeClient({ token: key, baseUrl });
        const device = client.devices.get({
          networkAccessIdentifier: "device@testcsp.net",
          ipv4Address: { publicAddress: "233.252.0.2", privateAddress: "192.0.2.25", publicPort: 80 },
          ipv6Address: "2001:db8:1234:5678:9abc:def0:fedc:ba98",
          phoneNumber: "+36721601234567",
        });
        line("1. create a QoS session (QOS_L, 1 hour) with a notification URL and token");
        const session = await device.createQodSession({
          profile: "QOS_L",
          serviceIpv4: "233.252.0.2",
          serviceIpv6: "2001:db8:1234:5678:9abc:def0:fedc:ba98",
          duration: 3600,
          notificationUrl: listener.url,
          notificationAuthToken: "my-token",
        });
        line(`   ${sessionLine(session)}`);
        await waitFor(1);
        line("2. list the device's sessions");
        for (const s of await device.sessions()) line(`   ${sessionLine(s)}`);
        line("3. extend it by 10 minutes");
        line(`   ${sessionLine(await session.extend(600))}`);
        line("4. delete it");
        await session.delete();
        await waitFor(2);
        line(green(`done: ${events.length} notifications received`));
      } finally {
        listener.server.close();
        await openqod.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
}
