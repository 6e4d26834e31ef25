/** Registry of kernel models, selectable by name. */
import { KernelModel } from '../simulator/modelTypes';
import { arm64Eager, arm64Generic, arm64NaiveNesting, arm64V616 } from './arm64';
import { powerpcHash, s390, sparc64, x86XenPv } from './others';

export const MODELS: KernelModel[] = [
  arm64Eager,
  arm64V616,
  arm64Generic,
  arm64NaiveNesting,
  x86XenPv,
  s390,
  powerpcHash,
  sparc64,
];

export const DEFAULT_MODEL = 'arm64-v6.16';
