import { runServerCli } from "./cli.ts";

runServerCli(process.argv.slice(2));
