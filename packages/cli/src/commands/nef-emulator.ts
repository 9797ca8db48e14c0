import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Command, InvalidArgumentError } from "commander";
import { parsePort } from "../device-options.ts";
import { CliError, EXIT } from "../errors.ts";
import { dim, line, red } from "../output.ts";

interface NefEmulatorFlags {
  host: string;
  port: number;
  scsAsId: string;
  token?: string[];
  oauthClientId?: string;
  oauthClientSecret?: string;
  tokenLifetime: number;
  allocationDelay: number;
  tlsCert?: string;
  tlsKey?: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

const parseMs = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError("a whole number of milliseconds, 0 or more");
  return n;
};

const parseSeconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number of seconds, at least 1");
  return n;
};

/** What an OpenQoD needs to talk to the emulator, as environment variables (one line to copy). */
function settingsLine(apiRoot: string, flags: NefEmulatorFlags, tokens: string[], tokenUrl: string): string {
  const common = `OPENQOD_NETWORK=nef OPENQOD_NEF_URL=${apiRoot} OPENQOD_NEF_SCS_AS_ID=${flags.scsAsId}`;
  if (flags.oauthClientId !== undefined && tokens.length === 0) {
    return `${common} OPENQOD_NEF_OAUTH_TOKEN_URL=${tokenUrl} OPENQOD_NEF_OAUTH_CLIENT_ID=${flags.oauthClientId} OPENQOD_NEF_OAUTH_CLIENT_SECRET=${flags.oauthClientSecret}`;
  }
  return `${common} OPENQOD_NEF_TOKEN=${tokens[0]}`;
}

/** The certificate and key files, read once at start. @throws CliError (exit 2) for a file that cannot be read */
async function readTls(flags: NefEmulatorFlags): Promise<{ cert: string; key: string } | undefined> {
  if (flags.tlsCert === undefined || flags.tlsKey === undefined) return undefined;
  const read = async (file: string, flag: string) => {
    try {
      return await readFile(file, "utf8");
    } catch (error) {
      throw new CliError(
        `${flag} ${file}: ${(error as { code?: string }).code ?? String(error)}`,
        EXIT.usage,
      );
    }
  };
  return { cert: await read(flags.tlsCert, "--tls-cert"), key: await read(flags.tlsKey, "--tls-key") };
}

/** The control endpoints, for the help text and the banner. */
function controls(base: string): string[] {
  const c = `${base}/emulator/v1`;
  return [
    `GET    ${c}/subscriptions | /requests | /notifications`,
    `PUT    ${c}/ues/{ue or *}   {"unknown":true} | {"refuse":{"status":403,"cause":"…"}} | {"createDelayMs":5000} | {"allocation":"FAILED"|"NONE"} | {"allocationDelayMs":2000}`,
    `DELETE ${c}/ues/{ue or *}`,
    `POST   ${c}/subscriptions/{id}/terminate`,
    `POST   ${c}/subscriptions/{id}/events   {"event":"QOS_NOT_GUARANTEED"}`,
    `PUT    ${c}/outage   {"mode":"503","retryAfterSeconds":5} | {"mode":"destroy"}   (DELETE ends it)`,
    `POST   ${c}/notifications/drop   {"count":1}`,
    `POST   ${c}/expire | /tokens/expire | /reset`,
  ];
}

export function nefEmulatorCommand(): Command {
  return new Command("nef-emulator")
    .description("run a 3GPP NEF emulator (TS 29.122 AsSessionWithQoS) to rehearse OpenQoD's NEF integration")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on", parsePort, 8090)
    .option("--scs-as-id <id>", "the SCS/AS identifier the NEF knows (OPENQOD_NEF_SCS_AS_ID)", "openqod")
    .option(
      "--token <token>",
      "a bearer token the NEF accepts (repeatable; one is generated without any credentials)",
      collect,
    )
    .option("--oauth-client-id <id>", "serve /oauth/token (client_credentials) for this client")
    .option("--oauth-client-secret <secret>", "the OAuth2 client's secret")
    .option("--token-lifetime <seconds>", "lifetime of OAuth2 tokens (expires_in)", parseSeconds, 3600)
    .option("--allocation-delay <ms>", "between the 201 and SUCCESSFUL_RESOURCES_ALLOCATION", parseMs, 0)
    .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM; with --tls-key)")
    .option("--tls-key <file>", "the certificate's private key (PEM)")
    .addHelpText(
      "after",
      `\nControl endpoints (no credentials; keep the emulator on loopback):\n${controls("http://HOST:PORT")
        .map((c) => `  ${c}`)
        .join("\n")}\n\nStops on Ctrl-C (SIGINT) or SIGTERM.`,
    )
    .action(async (flags: NefEmulatorFlags) => {
      if ((flags.oauthClientId === undefined) !== (flags.oauthClientSecret === undefined)) {
        throw new CliError("--oauth-client-id and --oauth-client-secret go together", EXIT.usage);
      }
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
        throw new CliError("--tls-cert and --tls-key go together", EXIT.usage);
      }
      const tls = await readTls(flags);
      const oauth = flags.oauthClientId !== undefined && flags.oauthClientSecret !== undefined;
      const given = flags.token ?? [];
      const tokens = given.length === 0 && !oauth ? [randomBytes(18).toString("base64url")] : given;
      // Loaded only here: the other commands start without the server's dependencies.
      const { NefEmulator } = await import("@openqod/server/nef-emulator");
      const emulator = new NefEmulator({
        scsAsIds: [flags.scsAsId],
        tokens,
        oauthClients: oauth
          ? [{ clientId: flags.oauthClientId ?? "", clientSecret: flags.oauthClientSecret ?? "" }]
          : [],
        tokenLifetimeSeconds: flags.tokenLifetime,
        allocationDelayMs: flags.allocationDelay,
        ...(tls === undefined ? {} : { tls }),
        onRequest: (r) => line(`${new Date().toISOString()}  ${r.method} ${r.url} ${r.status ?? "-"}`),
        onNotification: (n) =>
          line(
            `${new Date().toISOString()}  notify ${n.event} -> ${n.destination} ${n.outcome} ${n.status ?? n.error ?? ""}`,
          ),
      });
      let apiRoot: string;
      try {
        apiRoot = await emulator.start({ host: flags.host, port: flags.port });
      } catch (error) {
        const code = String((error as { code?: unknown }).code ?? "");
        process.stderr.write(
          `${red("error")}: cannot listen on ${flags.host} port ${flags.port} (${code || String(error)})\n`,
        );
        process.exitCode = EXIT.api;
        return;
      }
      line(`NEF emulator (TS 29.122 AsSessionWithQoS) on ${apiRoot}`);
      line(`  subscriptions: ${emulator.subscriptionsUrl()}`);
      if (oauth)
        line(
          `  token endpoint: ${emulator.tokenUrl} (client_credentials, expires_in ${flags.tokenLifetime} s)`,
        );
      line("");
      line("Point OpenQoD at it:");
      line(`  ${settingsLine(apiRoot, flags, tokens, emulator.tokenUrl)}`);
      if (tls !== undefined) line("  and OPENQOD_NEF_CA_FILE=<the CA certificate that signed --tls-cert>");
      line("");
      line(dim("Controls (no credentials):"));
      for (const c of controls(apiRoot)) line(dim(`  ${c}`));
      line(dim("Ctrl-C stops it."));
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await emulator.close();
    });
}
