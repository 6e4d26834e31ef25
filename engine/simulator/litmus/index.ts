/**
 * herd7 litmus tests in and out: `readLitmus` gives a scenario the simulator
 * runs (or the reason it cannot), `scenarioToLitmus` writes one back.
 */
import { Diagnostic, Scenario } from '../types';
import { CannotExpress, lowerLitmus } from './lower';
import { LitmusSyntaxError, parseLitmus } from './syntax';

export { parseLitmus } from './syntax';
export type { LitmusTest } from './syntax';

export interface LitmusRead {
  scenario?: Scenario;
  /** Syntax errors: the text is not a litmus test we can read. */
  errors: Diagnostic[];
  /** Read, but the machine cannot run it faithfully: which instruction or feature. */
  cannotExpress?: string;
  name?: string;
}

export function readLitmus(text: string, fileName: string): LitmusRead {
  let test;
  try {
    test = parseLitmus(text);
  } catch (e) {
    const line = e instanceof LitmusSyntaxError ? e.line : 0;
    return { errors: [{ file: fileName, line, col: 1, message: `litmus: ${(e as Error).message}` }] };
  }
  try {
    return { scenario: lowerLitmus(test, fileName), errors: [], name: test.name };
  } catch (e) {
    if (e instanceof CannotExpress) return { errors: [], cannotExpress: e.message, name: test.name };
    return { errors: [{ file: fileName, line: 0, col: 1, message: `litmus: ${(e as Error).message}` }], name: test.name };
  }
}

export function isLitmusFile(fileName: string): boolean {
  return fileName.endsWith('.litmus');
}
