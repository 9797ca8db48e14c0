import type { Rate } from "../../domain/types.ts";

const BITS_PER_UNIT: Record<Rate["unit"], number> = {
  bps: 1,
  kbps: 1e3,
  Mbps: 1e6,
  Gbps: 1e9,
  Tbps: 1e12,
};

/** A CAMARA rate in bits per second (CAMARA's `Mbps` is megabits, as tc's `mbit`). */
export function rateBits(rate: Rate): number {
  return rate.value * BITS_PER_UNIT[rate.unit];
}

const TC_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12 };

/** The slowest and fastest links OpenQoD shapes: below 1 Mbit/s htb's timing is too coarse to guarantee anything. */
export const LINK_RATE_LIMITS = { min: 1e6, max: 400e9 } as const;

/**
 * Parses a link capacity written as tc writes rates in bits (`100mbit`, `1gbit`, `500kbit`), case-insensitive.
 * tc's `mbps` means megaBYTES a second, a factor of 8 away from CAMARA's `Mbps`: both are refused, so
 * nobody gets the one they did not mean.
 * @returns bits per second, or a reason.
 */
export function parseLinkRate(text: string): number | { problem: string } {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim());
  const unit = TC_UNITS[(match?.[2] ?? "").toLowerCase()];
  if (match === null || unit === undefined) {
    return { problem: "must be a rate in bits per second, e.g. 100mbit, 1gbit, 500kbit" };
  }
  const bits = Number(match[1]) * unit;
  if (bits < LINK_RATE_LIMITS.min || bits > LINK_RATE_LIMITS.max) {
    return { problem: "must be from 1mbit to 400gbit" };
  }
  return Math.round(bits);
}

/** A rate as tc reads it: whole bits per second, so what is written reads back equal. */
export function tcRate(bits: number): string {
  return `${Math.round(bits)}bit`;
}

/** Parses a rate as tc prints it (`50Mbit`, `8Kbit`, `1200bit`) into bits per second; null if it is not one. */
export function parsePrintedRate(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)([KMGT]?)bit$/.exec(text);
  if (match === null) return null;
  const scale = { "": 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[match[2] as "" | "K" | "M" | "G" | "T"];
  return Number(match[1]) * scale;
}

/** A rate for people: `50 Mbit/s`. */
export function formatRate(bits: number): string {
  for (const [unit, size] of [
    ["Gbit/s", 1e9],
    ["Mbit/s", 1e6],
    ["kbit/s", 1e3],
  ] as const) {
    if (bits >= size) return `${Number((bits / size).toFixed(2))} ${unit}`;
  }
  return `${bits} bit/s`;
}
