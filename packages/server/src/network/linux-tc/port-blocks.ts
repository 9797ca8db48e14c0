/** A block of ports that one u32 match can say: the ports whose bits under `mask` equal `value`. */
export interface PortBlock {
  value: number;
  mask: number;
}

/**
 * Splits the inclusive range [from, to] into the fewest aligned power-of-two blocks (as a CIDR split
 * of an address range): u32 compares under a mask, it has no "between". At most 30 blocks for 16 bits.
 */
export function portBlocks(from: number, to: number): PortBlock[] {
  const blocks: PortBlock[] = [];
  let start = from;
  while (start <= to) {
    // The largest block aligned at `start` that does not run past `to`.
    let size = 1;
    while (start % (size * 2) === 0 && start + size * 2 - 1 <= to && size < 0x10000) size *= 2;
    blocks.push({ value: start, mask: 0xffff & ~(size - 1) });
    start += size;
  }
  return blocks;
}
