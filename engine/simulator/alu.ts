/**
 * Register arithmetic on values the machine computes at run time (loaded
 * data and descriptors): the `alu` op. Numbers are 64-bit (BigInt for the
 * bit operations); a descriptor takes part through the bits the machine
 * models, at their AArch64 positions: valid (bit 0), AP[2] (bit 7, set
 * when not writable: herd7's db:0), AF (bit 10), DBM (bit 51). Its output
 * address is symbolic, so a mask touching other bits cannot be expressed
 * (the litmus lowering checks this before it emits the op).
 */
import { decDesc, encDesc, Val } from './machineTypes';

export const ALU_OPS = ['add', 'sub', 'and', 'orr', 'eor', 'bic', 'lsl', 'lsr'] as const;
export type AluOp = (typeof ALU_OPS)[number];

const VALID = 1n;
const NOT_DB = 1n << 7n;
const AF = 1n << 10n;
const DBM = 1n << 51n;
/** Descriptor bits the machine models (see above). */
export const DESC_BITS = VALID | NOT_DB | AF | DBM;
const MASK64 = (1n << 64n) - 1n;

function flagBits(d: string): bigint {
  const x = decDesc(d);
  return (x.valid ? VALID : 0n) | (x.db ? 0n : NOT_DB) | (x.af ? AF : 0n) | (x.dbm ? DBM : 0n);
}

function withBits(d: string, bits: bigint): string {
  const x = decDesc(d);
  return encDesc((bits & VALID) !== 0n, x.page, x.user, { af: (bits & AF) !== 0n, db: (bits & NOT_DB) === 0n, dbm: (bits & DBM) !== 0n });
}

function num(v: bigint): number {
  return Number(v & MASK64);
}

/**
 * `op` on two values. A descriptor combined with a number by AND gives the
 * number its modelled bits make; by ORR/EOR/BIC, the descriptor with those
 * bits changed. Anything else with a descriptor is a machine error (null).
 */
export function aluApply(op: AluOp, a: Val, b: Val): Val | null {
  if (typeof a === 'number' && typeof b === 'number') {
    const x = BigInt(a);
    const y = BigInt(b);
    switch (op) {
      case 'add':
        return num(x + y);
      case 'sub':
        return num(x - y);
      case 'and':
        return num(x & y);
      case 'orr':
        return num(x | y);
      case 'eor':
        return num(x ^ y);
      case 'bic':
        return num(x & ~y);
      case 'lsl':
        return num(x << y);
      case 'lsr':
        return num(x >> y);
    }
  }
  if (typeof a === 'number' && (op === 'and' || op === 'orr' || op === 'eor')) [a, b] = [b, a];
  if (typeof a !== 'string' || typeof b !== 'number') return null;
  const m = BigInt(b);
  const bits = flagBits(a);
  switch (op) {
    case 'and':
      return num(bits & m);
    case 'orr':
      return withBits(a, bits | m);
    case 'eor':
      return withBits(a, bits ^ m);
    case 'bic':
      return withBits(a, bits & ~m);
    default:
      return null;
  }
}
