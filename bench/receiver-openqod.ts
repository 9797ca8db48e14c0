import { createServer } from "node:http";
// The built package, as users run it (tsc output, not the tsx-transpiled sources).
import { createReceiver, nodeHttpHandler } from "../packages/receiver/dist/index.js";

/** @openqod/receiver's node:http adapter: constant-time token check, parsing, dedupe, stale guard. */
let received = 0;
const receiver = createReceiver({
  tokens: ["my-token"],
  onEvent: () => {
    received++;
  },
});
createServer(nodeHttpHandler(receiver)).listen(Number(process.env.PORT), "127.0.0.1", () =>
  process.stdout.write(`ready ${received}\n`),
);
process.once("SIGTERM", () => process.exit(0));
