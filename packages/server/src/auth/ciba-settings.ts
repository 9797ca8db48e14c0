import { Invalid, type Kind, parseDurationMs } from "../setting-kinds.ts";

/** Whole seconds from 1 to 60: CIBA's `interval` is an integer of seconds. */
const pollInterval: Kind<number> = {
  expects: "a whole number of seconds from 1 to 60 (5, 5s)",
  placeholder: "duration",
  parse: (raw) => {
    const ms = parseDurationMs(raw);
    return ms !== null && ms >= 1000 && ms <= 60_000 && ms % 1000 === 0
      ? ms
      : new Invalid("must be a whole number of seconds from 1 to 60, like 5 or 5s");
  },
};

/** The settings of CIBA (auth/ciba.ts), spread into SETTINGS (settings.ts). */
export const CIBA_SETTINGS = {
  cibaIntervalMs: {
    flag: "ciba-interval",
    variable: "OPENQOD_CIBA_INTERVAL",
    kind: pollInterval,
    fallback: 5000,
    defaultText: "`5` (seconds)",
    doc: "the `interval` a CIBA client must wait between polls of the token endpoint (each `slow_down` adds 5 s)",
  },
} as const;
