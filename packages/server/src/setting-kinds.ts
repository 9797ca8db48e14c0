/**
 * The kinds of value a setting can hold, each with its parser and, in words, what a value looks like
 * (for `openqod serve --help` and the problems reported at start).
 */
/** A value that failed its check: why, and whether the value may be echoed (not for secrets). */
export class Invalid {
  constructor(
    readonly reason: string,
    readonly echo = true,
  ) {}
}

/** How one setting's text becomes its value. `expects` says, in words, what a value looks like. */
export interface Kind<T> {
  expects: string;
  /** What --help shows after the flag, e.g. `<duration>`. */
  placeholder: string;
  parse(raw: string): T | Invalid;
}

/** A kind whose setting is null unless given: its default is derived from other settings. */
export function derivedUnlessGiven<T>(kind: Kind<T>): Kind<T | null> {
  return kind;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "250ms", "5s", "5m", "2h" or a bare number of seconds into milliseconds; null if malformed. */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match?.[1]) return null;
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? "s"] ?? 1000));
}

export const text = (placeholder: string): Kind<string> => ({
  expects: "text",
  placeholder,
  parse: (raw) => raw,
});
export const path: Kind<string | null> = { expects: "a file path", placeholder: "file", parse: (raw) => raw };

export function integer(min: number, max: number): Kind<number> {
  return {
    expects: `a whole number from ${min} to ${max}`,
    placeholder: "n",
    parse: (raw) => {
      const n = Number(raw);
      return Number.isInteger(n) && n >= min && n <= max
        ? n
        : new Invalid(`must be a whole number from ${min} to ${max}`);
    },
  };
}

/** Milliseconds, written with a unit (250ms, 5s, 5m, 2h; a bare number is seconds). */
export function duration(minMs: number): Kind<number> {
  return {
    expects: `a duration: 250ms, 5s, 5m, 2h (a bare number is seconds), at least ${minMs} ms`,
    placeholder: "duration",
    parse: (raw) => {
      const ms = parseDurationMs(raw);
      return ms !== null && ms >= minMs
        ? ms
        : new Invalid(`must be a duration like 250ms, 5s, 5m or 2h, at least ${minMs} ms`);
    },
  };
}

export const durationList: Kind<readonly number[]> = {
  expects: "comma-separated durations, e.g. 0,5s,5m,2h",
  placeholder: "durations",
  parse: (raw) => {
    const parsed = raw.split(",").map(parseDurationMs);
    return parsed.every((v): v is number => v !== null)
      ? parsed
      : new Invalid("must be a comma-separated list of durations like 0,5s,5m,2h");
  },
};

export const boolean: Kind<boolean> = {
  expects: "true or false",
  placeholder: "true|false",
  parse: (raw) => {
    const v = raw.toLowerCase();
    if (["1", "true", "yes", "on"].includes(v)) return true;
    if (["0", "false", "no", "off"].includes(v)) return false;
    return new Invalid("must be true or false");
  },
};

export function oneOf<const V extends string>(
  values: readonly V[],
  options: { upperCase?: boolean } = {},
): Kind<V> {
  const words =
    values.length < 3 ? values.join(" or ") : `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
  return {
    expects: `one of ${values.join(", ")}`,
    placeholder: values.join("|"),
    parse: (raw) => {
      const v = options.upperCase ? raw.toUpperCase() : raw;
      return (values as readonly string[]).includes(v) ? (v as V) : new Invalid(`must be ${words}`);
    },
  };
}

export const absoluteUrl: Kind<string | null> = {
  expects: "an absolute URL",
  placeholder: "url",
  parse: (raw) => {
    try {
      return new URL(raw).href.replace(/\/$/, "");
    } catch {
      return new Invalid("must be an absolute URL");
    }
  },
};

/** Never echoed in a problem: the URL may carry a password. */
export const postgresUrl: Kind<string | null> = {
  expects: "a postgres:// URL",
  placeholder: "url",
  parse: (raw) => {
    try {
      const url = new URL(raw);
      if (url.protocol === "postgres:" || url.protocol === "postgresql:") return raw;
    } catch {}
    return new Invalid("must be a postgres:// or postgresql:// URL", false);
  },
};

/** Never echoed: a key. */
export const apiKey: Kind<string | null> = {
  expects: "16 to 512 printable characters",
  placeholder: "key",
  parse: (raw) =>
    /^[\x21-\x7e]{16,512}$/.test(raw)
      ? raw
      : new Invalid("must be 16 to 512 printable characters without spaces", false),
};

/** Never echoed: a token or a secret. */
export const secret: Kind<string | null> = {
  expects: "1 to 4096 printable characters",
  placeholder: "secret",
  parse: (raw) =>
    /^[\x21-\x7e]{1,4096}$/.test(raw)
      ? raw
      : new Invalid("must be 1 to 4096 printable characters without spaces", false),
};

export const printable: Kind<string | null> = {
  expects: "1 to 512 printable characters",
  placeholder: "text",
  parse: (raw) =>
    /^[\x21-\x7e]{1,512}$/.test(raw)
      ? raw
      : new Invalid("must be 1 to 512 printable characters without spaces"),
};

/** One segment of a URL path, put into request paths as is. */
export const pathSegment: Kind<string | null> = {
  expects: "1 to 128 letters, digits, -, _, . or ~",
  placeholder: "id",
  parse: (raw) =>
    /^[A-Za-z0-9._~-]{1,128}$/.test(raw)
      ? raw
      : new Invalid("must be 1 to 128 letters, digits, -, _, . or ~"),
};
