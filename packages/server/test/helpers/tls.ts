import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A private CA and a server certificate it signed for 127.0.0.1 and localhost (PEM, valid one day). */
export interface TestPki {
  /** The CA certificate's file: what OPENQOD_NEF_CA_FILE points at. */
  caFile: string;
  ca: string;
  cert: string;
  key: string;
  /** Removes the files. */
  remove(): Promise<void>;
}

/** Makes a throwaway PKI with the openssl command (P-256 keys, so it takes milliseconds). */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), "openqod-pki-"));
  const at = (name: string) => join(dir, name);
  const openssl = (args: string[]) =>
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe", timeout: 30_000 });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=OpenQoD test CA",
  ]);
  openssl(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  await writeFile(at("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "1",
    "-extfile",
    "server.ext",
  ]);
  return {
    caFile: at("ca.pem"),
    ca: await readFile(at("ca.pem"), "utf8"),
    cert: await readFile(at("server.pem"), "utf8"),
    key: await readFile(at("server.key"), "utf8"),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
