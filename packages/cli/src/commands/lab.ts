import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { parsePort } from "../device-options.ts";
import { CliError, EXIT } from "../errors.ts";
import { labBanner } from "../lab-banner.ts";
import { line } from "../output.ts";

interface LabFlags {
  rate: string;
  port: number;
  prefix: string;
  dataDir?: string;
}

type LabModule = typeof import("@openqod/server/lab");

/** The server's lab, loaded only when used: the other commands start without the server's dependencies. */
async function labModule(prefix: string): Promise<LabModule> {
  const lab = await import("@openqod/server/lab");
  try {
    lab.labNamespaces(prefix);
  } catch (error) {
    throw new CliError(`--prefix: ${(error as Error).message}`, EXIT.usage);
  }
  const unsupported = lab.labSupport();
  if (unsupported !== null) throw new CliError(unsupported, EXIT.usage);
  return lab;
}

/** The server's settings for a lab: the sandbox on loopback, shaping the router's two interfaces. */
function serverArgs(flags: LabFlags, dataDir: string, router: string): string[] {
  return [
    ...["--host", "127.0.0.1", "--port", String(flags.port), "--data-dir", dataDir, "--sandbox"],
    ...["--network", "linux-tc", "--tc-netns", router, "--tc-link-rate", flags.rate],
    ...["--tc-downlink-device", "down0", "--tc-uplink-device", "up0"],
  ];
}

/** Resolves on the first SIGINT or SIGTERM. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => {
      process.removeListener("SIGINT", onInt);
      process.removeListener("SIGTERM", onTerm);
      resolve(signal);
    };
    const onInt = on("SIGINT");
    const onTerm = on("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}

/**
 * Removes the lab, then says what it removed and which processes (the user's, still inside) lost their
 * network with it: they are not the lab's to stop.
 */
async function teardownAndTell(lab: LabModule, prefix: string): Promise<string[]> {
  // Only to tell the user: a listing that fails must not keep the lab from being removed.
  const left = await lab.labProcesses(prefix).catch(() => []);
  const removed = await lab.teardownLab(prefix);
  if (removed.length > 0) line(`removed ${removed.join(", ")}`);
  for (const p of left)
    line(`still running, now without a network: ${p.command} (pid ${p.pid}, was in ${p.netns})`);
  return removed;
}

/**
 * `openqod lab`: the lab network, a reaper for it, and the sandbox shaping it, until SIGINT/SIGTERM.
 * Exit 2: the lab cannot run here (not root) or the settings are invalid; 1: building or serving failed.
 */
async function runLab(flags: LabFlags): Promise<void> {
  const lab = await labModule(flags.prefix);
  const { ConfigError, createOpenQod, loadConfig, removeInterfaceClaims } = await import("@openqod/server");
  let claim: { release(): void };
  try {
    claim = lab.claimLab(flags.prefix);
  } catch (error) {
    if (error instanceof lab.LabInUseError) throw new CliError(error.message, EXIT.api);
    throw error;
  }
  const temporary = flags.dataDir === undefined ? await mkdtemp(join(tmpdir(), "openqod-lab-")) : null;
  const dataDir = flags.dataDir ?? temporary ?? "";
  // Started before the build: a crash (or a kill) half-way through must not leave namespaces behind.
  const reaper = lab.startLabReaper(flags.prefix);
  let openqod: Awaited<ReturnType<typeof createOpenQod>> | null = null;
  let building = false;
  let stopRequested = false;
  try {
    const config = loadConfig(serverArgs(flags, dataDir, `${flags.prefix}-router`), process.env);
    // Listened for from here on. The terminal's Ctrl-C also reaches the build's own commands, which then
    // fail: that is a stop, not a failure to report.
    const stopped = stopSignal().then(() => {
      stopRequested = true;
    });
    building = true;
    const topology = await lab.buildLab(flags.prefix).catch((error: unknown) => {
      if (stopRequested) throw error;
      throw new CliError(`building the lab: ${(error as Error).message}`, EXIT.api);
    });
    openqod = await createOpenQod({ config });
    await openqod.app.listen({ host: config.host, port: config.port });
    openqod.startWorkers();
    const address = openqod.app.server.address();
    const port = typeof address === "object" && address !== null ? address.port : config.port;
    const baseUrl = `http://127.0.0.1:${port}`;
    line(labBanner({ lab: topology, rate: flags.rate, baseUrl, key: openqod.sandboxKey ?? "", dataDir }));
    await stopped;
    line("stopping: OpenQoD, then the lab");
  } catch (error) {
    if (stopRequested) {
      line("stopped before the lab was up");
      return;
    }
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT.usage);
    if (typeof error === "object" && error !== null && (error as { code?: unknown }).code === "EADDRINUSE")
      throw new CliError(`port ${flags.port} on 127.0.0.1 is in use: choose another with --port`, EXIT.api);
    throw error;
  } finally {
    await openqod?.close().catch((error: unknown) => line(`stopping OpenQoD: ${(error as Error).message}`));
    // Only what this run may have built: invalid settings touch no namespace.
    const removed = building
      ? await teardownAndTell(lab, flags.prefix).then(() => true, tellTeardownFailed)
      : true;
    // A lab not removed is left to the reaper (with its claim), which removes both once this process has ended.
    if (removed) {
      reaper.stop();
      claim.release();
      // The router's namespace is gone: so are the interfaces OpenQoD claimed in it.
      await removeInterfaceClaims(`${flags.prefix}-router`);
    }
    if (temporary !== null) await rm(temporary, { recursive: true, force: true });
  }
}

function tellTeardownFailed(error: unknown): false {
  line(`could not remove the lab (${(error as Error).message}): it goes when this process ends`);
  process.exitCode = EXIT.api;
  return false;
}

/** `openqod lab down`: removes a lab left behind (by a `kill -9` of the reaper as well). */
async function labDown(flags: { prefix: string }): Promise<void> {
  const lab = await labModule(flags.prefix);
  const owner = lab.labOwner(flags.prefix);
  if (owner !== null) throw new CliError(new lab.LabInUseError(flags.prefix, owner).message, EXIT.api);
  try {
    const removed = await teardownAndTell(lab, flags.prefix);
    if (removed.length === 0) {
      const [device, router, server] = ["device", "router", "server"].map(
        (role) => `${flags.prefix}-${role}`,
      );
      line(`no lab "${flags.prefix}" here: no namespace ${device}, ${router} or ${server}`);
    }
  } catch (error) {
    if (error instanceof lab.LabCommandError) throw new CliError(error.message, EXIT.api);
    throw error;
  }
}

export function labCommand(): Command {
  const lab = new Command("lab")
    .description(
      "build a test network in namespaces (device, router, server; 198.18.0.0/15) and run the sandbox on it, shaping real traffic with tc (root)",
    )
    // `lab down --prefix X` is the subcommand's --prefix, not this one's.
    .enablePositionalOptions()
    .option("--rate <rate>", "the bottleneck's capacity each way, in tc's units", "100mbit")
    .option("--port <port>", "the API's port on 127.0.0.1", parsePort, 9091)
    .option("--prefix <prefix>", "namespaces <prefix>-device, <prefix>-router, <prefix>-server", "oqlab")
    .option(
      "--data-dir <dir>",
      "the server's data folder (default: a fresh temporary one, removed at the end)",
    )
    .addHelpText(
      "after",
      "\nPrints the addresses, the API key and a worked example (iperf3 and a QOS_L session) to paste.\nCtrl-C (SIGINT) or SIGTERM stops OpenQoD and removes the lab; a reaper removes it after a crash too.",
    )
    .action(runLab);
  lab
    .command("down")
    .description("remove a lab left behind")
    .option("--prefix <prefix>", "the lab's namespace prefix", "oqlab")
    .action(labDown);
  return lab;
}
