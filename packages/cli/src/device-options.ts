import type { DeviceIdentifiers } from "@openqod/sdk";
import { type Command, InvalidArgumentError } from "commander";

export interface DeviceFlags {
  phone?: string;
  ipv4?: string;
  ipv4Private?: string;
  ipv4Port?: number;
  ipv6?: string;
  nai?: string;
}

export const parsePort = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError("a port is a whole number from 0 to 65535");
  return n;
};

export const parsePositive = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number of seconds, at least 1");
  return n;
};

/** Adds the device identifier options to a command. */
export function withDeviceOptions(command: Command): Command {
  return command
    .option("--phone <number>", "device phone number, E.164 (the + may be left out)")
    .option("--ipv4 <address>", "device public IPv4 address (with --ipv4-private and/or --ipv4-port)")
    .option("--ipv4-private <address>", "device private IPv4 address")
    .option("--ipv4-port <port>", "device public port", parsePort)
    .option("--ipv6 <address>", "device IPv6 address")
    .option("--nai <id>", "network access identifier, e.g. device@testcsp.net");
}

/** Whether any device identifier flag was given. */
export function hasDevice(flags: DeviceFlags): boolean {
  return [flags.phone, flags.ipv4, flags.ipv6, flags.nai].some((v) => v !== undefined);
}

export function deviceFrom(flags: DeviceFlags): DeviceIdentifiers {
  return {
    ...(flags.phone === undefined ? {} : { phoneNumber: flags.phone }),
    ...(flags.nai === undefined ? {} : { networkAccessIdentifier: flags.nai }),
    ...(flags.ipv6 === undefined ? {} : { ipv6Address: flags.ipv6 }),
    ...(flags.ipv4 === undefined
      ? {}
      : {
          ipv4Address: {
            publicAddress: flags.ipv4,
            ...(flags.ipv4Private === undefined ? {} : { privateAddress: flags.ipv4Private }),
            ...(flags.ipv4Port === undefined ? {} : { publicPort: flags.ipv4Port }),
          },
        }),
  };
}
