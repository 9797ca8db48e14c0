/**
 * The readable log format: one line per pino record, for a person at a terminal. Machines get pino's
 * JSON lines untouched; this only runs when the format is `pretty`.
 */

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: "TRACE", color: "90" },
  20: { name: "DEBUG", color: "34" },
  30: { name: "INFO", color: "32" },
  40: { name: "WARN", color: "33" },
  50: { name: "ERROR", color: "31" },
  60: { name: "FATAL", color: "35" },
};

/** Fields every record has, or that say nothing on a terminal. */
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "service", "v"]);
/** The request line's own fields, printed as `GET /path 404 NOT_FOUND 1.2 ms`. */
const REQUEST_FIELDS = ["method", "url", "status", "code", "ms"];

export interface PrettyOptions {
  /** ANSI colors for level, status and time. */
  color: boolean;
}

/**
 * `HH:MM:SS.mmm LEVEL message key=value …` (local time). A request record reads
 * `HH:MM:SS.mmm INFO  GET /path 404 NOT_FOUND 1.27 ms reqId=req-1`. An error shows its message, never
 * its stack: a record is always one line.
 */
export function formatLogRecord(record: Readonly<Record<string, unknown>>, options: PrettyOptions): string {
  const paint = (code: string, text: string) => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const level = LEVELS[typeof record.level === "number" ? record.level : 30] ?? {
    name: String(record.level),
    color: "0",
  };
  const parts = [
    paint("2", clockTime(typeof record.time === "number" ? record.time : Date.now())),
    paint(level.color, level.name.padEnd(5)),
  ];
  const isRequest = typeof record.method === "string" && typeof record.status === "number";
  if (isRequest) {
    const status = record.status as number;
    const statusColor = status >= 500 ? "31" : status >= 400 ? "33" : status >= 300 ? "36" : "32";
    parts.push(`${String(record.method)} ${String(record.url)}`, paint(statusColor, String(status)));
    if (typeof record.code === "string") parts.push(record.code);
    if (typeof record.ms === "number") parts.push(`${record.ms} ms`);
  } else if (typeof record.msg === "string" && record.msg !== "") {
    parts.push(oneLine(record.msg));
  }
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN.has(key) || (isRequest && REQUEST_FIELDS.includes(key))) continue;
    parts.push(...fields(key, value));
  }
  return parts.join(" ");
}

/**
 * A pino destination that prints each JSON record as one readable line on `out`. A line that is not
 * JSON is passed through as it came.
 */
export function prettyLogStream(
  out: { write(text: string): unknown },
  options: PrettyOptions,
): { write(chunk: string): void } {
  return {
    write(chunk) {
      let text = "";
      for (const line of chunk.split("\n")) {
        if (line === "") continue;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          text += `${line}\n`;
          continue;
        }
        text +=
          typeof record === "object" && record !== null && !Array.isArray(record)
            ? `${formatLogRecord(record as Record<string, unknown>, options)}\n`
            : `${line}\n`;
      }
      out.write(text);
    },
  };
}

function clockTime(epochMs: number): string {
  const t = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}.${String(t.getMilliseconds()).padStart(3, "0")}`;
}

/** `key=value` pairs; objects one level deep as `key.sub=value`, an error as its message. */
function fields(key: string, value: unknown, depth = 0): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== "object") return [`${key}=${scalar(value)}`];
  const object = value as Record<string, unknown>;
  if (key === "err" || key === "error") {
    if (typeof object.message === "string") return [`${key}=${scalar(object.message)}`];
  }
  if (depth > 0 || Array.isArray(value)) return [`${key}=${scalar(JSON.stringify(value))}`];
  return Object.entries(object).flatMap(([sub, v]) => fields(`${key}.${sub}`, v, depth + 1));
}

/** Bare when it cannot be misread (no spaces, quotes or `=`), else JSON-quoted: always one line. */
function scalar(value: unknown): string {
  const text = String(value);
  return /^[\w.:/@+,-]+$/.test(text) ? text : JSON.stringify(text);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}
