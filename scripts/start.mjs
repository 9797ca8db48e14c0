// `npm start -- ARGS` is `openqod serve ARGS`, except that a leading command name goes to the CLI as is:
// `npm start -- clients create acme` is `openqod clients create acme`. Runs the CLI in this process
// (commander reads process.argv), so signals from a process manager reach the server directly.
const args = process.argv.slice(2);
const bin = new URL("../packages/cli/bin/openqod.js", import.meta.url);
const command = args.length > 0 && !args[0].startsWith("-") ? args : ["serve", ...args];
process.argv = [process.argv[0], bin.pathname, ...command];
await import(bin.href);
