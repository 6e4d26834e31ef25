/**
 * Public API of the lazy MMU simulator (engine code: no vscode / LSP imports).
 *
 *   parseScenario(text, fileName?)      -> { scenario?, errors[] }
 *   simulate(scenario, modelName, bounds?) -> { exists, outcomes, witness, bounded, ... }
 *   listModels()                        -> [{ name, summary, cites }]
 *   buildScenario(spec)                 -> programmatic construction from kernel-level steps
 *   scenarioForReadAfterWrite / scenarioForNestedSection: the canonical replays
 */
import { DEFAULT_MODEL, MODELS } from '../models';
import { explore } from './explore';
import { KernelModel } from './modelTypes';
import { Bounds, Scenario, SimResult } from './types';

export { parseScenario, formatDiagnostic } from './parser';
export { buildScenario, scenarioToText, condToText } from './builder';
export type { BuilderOp, BuilderStep, BuilderInterrupt, BuilderArg, ScenarioSpec } from './builder';
export {
  scenarioForReadAfterWrite,
  scenarioForNestedSection,
  defaultRawSteps,
  defaultNestedSteps,
} from './canonical';
export type { RawOptions, NestedOptions } from './canonical';
export { DEFAULT_BOUNDS } from './explore';
export { OPS } from './ops';
export * from './types';
export type { KernelModel, Rule } from './modelTypes';
export { DEFAULT_MODEL };

export interface ModelInfo {
  name: string;
  summary: string;
  cites: string[];
}

export function listModels(): ModelInfo[] {
  return MODELS.map((m) => ({ name: m.name, summary: m.summary, cites: [...m.cites] }));
}

export function getModel(name: string): KernelModel | undefined {
  return MODELS.find((m) => m.name === name);
}

/**
 * Explore every outcome of `scenario` under the kernel model `modelName`.
 * Never throws for an unknown model: the result carries an error and no
 * outcomes.
 */
export function simulate(scenario: Scenario, modelName: string = DEFAULT_MODEL, bounds?: Bounds): SimResult {
  const model = getModel(modelName);
  if (!model) {
    return {
      model: modelName,
      exists: false,
      always: false,
      verdict: 'Forbidden',
      outcomes: [],
      witness: null,
      bounded: null,
      states: 0,
      errors: [
        {
          file: scenario.fileName,
          line: 0,
          col: 0,
          message: `unknown model '${modelName}': expected one of ${MODELS.map((m) => m.name).join(', ')}`,
        },
      ],
    };
  }
  return explore(scenario, model, bounds);
}
