/**
 * Guards: how the machine runs forward branches without a program counter.
 * An instruction after a forward branch carries a guard, a condition over
 * its CPU's registers (the values the branches tested), evaluated when the
 * instruction is reached in program order: false means a branch skipped it.
 * A load may still be satisfied before its guard is known (speculation: a
 * control dependency does not order a later load); when the guard turns
 * out false, that path of the exploration is abandoned.
 */
import { decDesc } from './machineTypes';
import { CondValue, DescLit } from './types';

export type Guard =
  | { k: 'atom'; reg: string; value: CondValue; eq: boolean }
  /** two registers compared (CMP Xa,Xb) */
  | { k: 'same'; reg: string; other: string; eq: boolean }
  | { k: 'and' | 'or'; a: Guard; b: Guard }
  | { k: 'not'; a: Guard }
  | { k: 'const'; v: boolean };

export const TRUE: Guard = { k: 'const', v: true };
export const FALSE: Guard = { k: 'const', v: false };

export function and(a: Guard, b: Guard): Guard {
  if (a.k === 'const') return a.v ? b : FALSE;
  if (b.k === 'const') return b.v ? a : FALSE;
  return { k: 'and', a, b };
}

export function not(a: Guard): Guard {
  if (a.k === 'const') return { k: 'const', v: !a.v };
  if (a.k === 'not') return a.a;
  if (a.k === 'atom' || a.k === 'same') return { ...a, eq: !a.eq };
  return { k: 'not', a };
}

/** A descriptor literal matches a value: the fields it names agree. */
export function descMatches(v: unknown, d: DescLit): boolean {
  if (typeof v !== 'string') return false;
  const x = decDesc(v);
  if (x.valid !== d.valid) return false;
  if (d.page !== null && x.page !== d.page) return false;
  if (d.user !== undefined && x.user !== d.user) return false;
  if (d.af !== undefined && x.af !== d.af) return false;
  if (d.db !== undefined && x.db !== d.db) return false;
  if (d.dbm !== undefined && x.dbm !== d.dbm) return false;
  return true;
}

/** A register's value compared with a number (a descriptor is 0 only when invalid without an output address) or a descriptor. */
export function valueMatches(v: unknown, want: CondValue): boolean {
  if (want.kind === 'desc') return descMatches(v, want.desc);
  if (typeof v === 'string') return want.value === 0 && v.startsWith('I:-:');
  return (v ?? 0) === want.value;
}

export function evalGuard(g: Guard, regs: Record<string, unknown>): boolean {
  switch (g.k) {
    case 'const':
      return g.v;
    case 'atom':
      return valueMatches(regs[g.reg], g.value) === g.eq;
    case 'same':
      return ((regs[g.reg] ?? 0) === (regs[g.other] ?? 0)) === g.eq;
    case 'and':
      return evalGuard(g.a, regs) && evalGuard(g.b, regs);
    case 'or':
      return evalGuard(g.a, regs) || evalGuard(g.b, regs);
    case 'not':
      return !evalGuard(g.a, regs);
  }
}

/** Registers a guard reads. */
export function guardRegs(g: Guard | undefined, acc: Set<string> = new Set()): Set<string> {
  if (!g) return acc;
  if (g.k === 'atom') acc.add(g.reg);
  else if (g.k === 'same') acc.add(g.reg).add(g.other);
  else if (g.k === 'and' || g.k === 'or') {
    guardRegs(g.a, acc);
    guardRegs(g.b, acc);
  } else if (g.k === 'not') guardRegs(g.a, acc);
  return acc;
}

export function showGuard(g: Guard): string {
  switch (g.k) {
    case 'const':
      return String(g.v);
    case 'atom':
      return `${g.reg} ${g.eq ? '==' : '!='} ${g.value.kind === 'num' ? g.value.value : 'descriptor'}`;
    case 'same':
      return `${g.reg} ${g.eq ? '==' : '!='} ${g.other}`;
    case 'and':
    case 'or':
      return `(${showGuard(g.a)} ${g.k === 'and' ? '&&' : '||'} ${showGuard(g.b)})`;
    case 'not':
      return `!${showGuard(g.a)}`;
  }
}
