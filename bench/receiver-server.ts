import { createServer } from "node:http";

/**
 * A webhook sink for the benchmarks: answers 204 and remembers when each event arrived.
 * GET /stats returns {count, arrivals: [ms since epoch, ...]} and resets.
 */
let arrivals: number[] = [];
const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ count: arrivals.length, arrivals }));
    arrivals = [];
    return;
  }
  req.resume();
  req.on("end", () => {
    arrivals.push(Date.now());
    res.writeHead(204);
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), "127.0.0.1", () => process.stdout.write("ready\n"));
