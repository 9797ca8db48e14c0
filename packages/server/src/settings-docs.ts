import { SETTINGS, type Setting } from "./settings.ts";

const entries = (): Array<Setting<unknown>> => Object.values(SETTINGS);

/** `openqod serve --help`: every setting with its flag, variable, default and what it does. */
export function serveHelp(): string {
  const plain = (markdown: string) => markdown.replaceAll("`", "");
  const lines = entries().flatMap((s) => {
    const flag = s.flag === "sandbox" ? "--sandbox, --no-sandbox" : `--${s.flag} <${s.kind.placeholder}>`;
    return [`  ${flag.padEnd(44)}${s.variable}`, `      ${plain(s.doc)}. Default: ${plain(s.defaultText)}.`];
  });
  return [
    "Usage: openqod serve [options]",
    "",
    "Runs the OpenQoD server until SIGTERM or SIGINT: the sandbox on http://127.0.0.1:9091 by default,",
    "with its data in ./data. Each setting is a flag or an OPENQOD_* variable; flags win. An invalid or",
    "unknown setting stops the start with a message naming it (exit code 2). Durations take a unit:",
    "250ms, 5s, 5m, 2h (a bare number is seconds).",
    "",
    "Options:",
    ...lines,
    "  -h, --help                                  display help for command",
    "",
  ].join("\n");
}

/** The README's configuration table (markdown), which a test compares with the README. */
export function settingsTable(): string {
  const rows = entries().map((s) => {
    const flag = s.flag === "sandbox" ? "`--sandbox` / `--no-sandbox`" : `\`--${s.flag}\``;
    return [flag, `\`${s.variable}\``, `${s.doc}; default ${s.defaultText}`];
  });
  const header = ["flag", "variable", "what, and the default"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [row(header), row(widths.map((w) => "-".repeat(w))), ...rows.map(row)].join("\n");
}
