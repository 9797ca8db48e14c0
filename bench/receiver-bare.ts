import { createServer } from "node:http";

/** Baseline: a bare node:http handler that reads the body, parses the JSON and checks the header. */
createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(req.headers.authorization === "Bearer my-token" ? 204 : 401).end();
  });
}).listen(Number(process.env.PORT), "127.0.0.1", () => process.stdout.write("ready\n"));
process.once("SIGTERM", () => process.exit(0));
