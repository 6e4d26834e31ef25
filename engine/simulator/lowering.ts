/**
 * What a kernel-level operation lowers to on a model (the rules the machine
 * runs, as compileModel sees them: the model's own over the common ones), for
 * the editor's hover on a scenario step.
 */
import { COMMON_OPS } from '../models/common';
import type { KernelModel, Rule } from './modelTypes';
import { canonicalOp } from './ops';

export function loweringOf(op: string, model: KernelModel): Rule[] | undefined {
  const all: Record<string, Rule[]> = { ...COMMON_OPS, ...model.ops };
  return all[canonicalOp(op)];
}
