import type { Clock } from "../src/index.ts";

/** A clock whose sleeps return at once, each recorded and moving `now` on: retries take no real time. */
export function instantClock(start = Date.parse("2026-06-01T12:00:00Z")) {
  const waits: number[] = [];
  let now = start;
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  };
  return {
    clock,
    waits,
    advance: (ms: number) => {
      now += ms;
    },
  };
}
