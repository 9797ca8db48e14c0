#!/usr/bin/env node
// Runs the compiled CLI with plain node. In the repository `npm install` builds dist/ (the root `prepare`
// script); a packed @openqod/cli ships it.
import { existsSync } from "node:fs";

const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    "openqod: the CLI is not built (no packages/cli/dist/main.js). In the repository run `npm install` or `npx tsc -b`.\n",
  );
  process.exit(1);
}
await import(main.href);
