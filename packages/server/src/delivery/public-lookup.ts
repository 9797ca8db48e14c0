import { type LookupAddress, type LookupOptions, lookup } from "node:dns";
import { isNonPublicAddress } from "../domain/ip.ts";

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `dns.lookup` for outgoing connections that refuses names resolving to non-public addresses, so
 * a sink whose DNS points inside the operator's network is not reached (checked at connect time,
 * after resolution, where a check of the URL alone can be fooled).
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((a) => isNonPublicAddress(a.address));
    if (blocked !== undefined) {
      const refusal: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to non-public address ${blocked.address}`,
      );
      refusal.code = "ENONPUBLIC";
      return callback(refusal, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    return first === undefined
      ? callback(new Error(`${hostname} has no address`), [])
      : callback(null, first.address, first.family);
  });
}
