// lazymmu.* settings as the client sends them (initializationOptions,
// workspace/configuration or didChangeConfiguration), checked and defaulted.
import * as fs from 'fs';
import * as path from 'path';
import { minimatch } from 'minimatch';
import { DEFAULT_MODEL, listModels } from '../engine/simulator';
import { KernelConfig } from '../engine/config/kernelConfig';
import { PinnedConfig } from '../engine/config/oracle';
import { debianConfig } from '../engine/config/debianConfig';
import { ImpactKind } from '../engine/findings';

/** Architectures the engine models (the CLI's --arch accepts the same). */
export const ARCHES = ['arm64', 'x86', 'powerpc', 's390', 'sparc', 'arm', 'riscv', 'loongarch', 'mips'];
export const DEFAULT_ARCH = 'arm64';

export interface Settings {
  arch: string;
  /** Absolute path of an extra APIs JSON file, when one is set. */
  extraApis?: string;
  /** The simulator model shown first / used when a request names none. */
  model: string;
  /** Glob patterns (relative to the workspace folder, or absolute) of files not checked. */
  exclude: string[];
  /** Absolute path of a kernel .config, when one is set and readable ("debian": the path of Debian's, once found). */
  kernelConfig?: string;
  /** It, parsed, with its kind and name (left out of the settings' JSON comparison). */
  pinnedConfig?: PinnedConfig;
  /** Findings below this impact are not shown ('contract' shows hazards and contract findings). */
  minImpact: 'contract' | 'hazard';
  /** Nesting the generic layer allows is shown, as hints. */
  showAllowedNesting: boolean;
  /** "off", "mergeBase" (with the branch's upstream, origin's default branch, main or master) or a revision: show only findings new since that base. */
  showOnlyNewSince: string;
}

/** Which findings the settings show (engine/findings.ts selectFindings). */
export function shownBy(s: Pick<Settings, 'minImpact' | 'showAllowedNesting'>): { minImpact: ImpactKind; showAllowed: boolean } {
  return { minImpact: s.minImpact, showAllowed: s.showAllowedNesting };
}

export interface SettingsResult {
  settings: Settings;
  /** Human-readable warnings for values that were replaced by defaults. */
  warnings: string[];
}

/** Finds the lazymmu section in whatever shape the client used. */
export function lazymmuSection(raw: unknown): Record<string, unknown> {
  if (!raw || typeof raw !== 'object') return {};
  const o = raw as Record<string, unknown>;
  if (o.lazymmu && typeof o.lazymmu === 'object') return o.lazymmu as Record<string, unknown>;
  if (o.settings && typeof o.settings === 'object') return lazymmuSection(o.settings);
  const flat: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('lazymmu.')) flat[k.slice('lazymmu.'.length)] = v;
    else if (['arch', 'extraApis', 'model', 'exclude', 'kernelConfig', 'minImpact', 'showAllowedNesting', 'showOnlyNewSince'].includes(k)) flat[k] = v;
  }
  return flat;
}

export function parseSettings(raw: unknown, root: string): SettingsResult {
  const s = lazymmuSection(raw);
  const warnings: string[] = [];
  let arch = DEFAULT_ARCH;
  if (s.arch !== undefined && s.arch !== null && s.arch !== '') {
    if (typeof s.arch === 'string' && ARCHES.includes(s.arch)) arch = s.arch;
    else
      warnings.push(
        `lazymmu.arch: "${String(s.arch)}" is not a known architecture (one of ${ARCHES.join(', ')}); using ${DEFAULT_ARCH}`,
      );
  }
  let extraApis: string | undefined;
  if (s.extraApis !== undefined && s.extraApis !== null && s.extraApis !== '') {
    if (typeof s.extraApis !== 'string') {
      warnings.push(`lazymmu.extraApis must be a file path; using the builtin API catalogue only`);
    } else {
      const p = path.resolve(root, s.extraApis);
      if (!fs.existsSync(p) || !fs.statSync(p).isFile())
        warnings.push(`lazymmu.extraApis: ${p} does not exist or is not a file; using the builtin API catalogue only`);
      else extraApis = p;
    }
  }
  const models = listModels().map((m) => m.name);
  let model = DEFAULT_MODEL;
  if (s.model !== undefined && s.model !== null && s.model !== '') {
    if (typeof s.model === 'string' && models.includes(s.model)) model = s.model;
    else warnings.push(`lazymmu.model: "${String(s.model)}" is not a simulator model (one of ${models.join(', ')}); using ${DEFAULT_MODEL}`);
  }
  let exclude: string[] = [];
  if (s.exclude !== undefined && s.exclude !== null) {
    const list = typeof s.exclude === 'string' ? [s.exclude] : s.exclude;
    if (!Array.isArray(list) || list.some((g) => typeof g !== 'string'))
      warnings.push('lazymmu.exclude must be a list of glob patterns; nothing is excluded');
    else exclude = list.filter((g) => g.trim() !== '');
  }
  let kernelConfig: string | undefined;
  let pinnedConfig: PinnedConfig | undefined;
  if (s.kernelConfig !== undefined && s.kernelConfig !== null && s.kernelConfig !== '') {
    if (typeof s.kernelConfig !== 'string') warnings.push('lazymmu.kernelConfig must be a file path or "debian"; no kernel .config is used');
    else if (s.kernelConfig === 'debian') {
      // Debian's own configuration for the tree's version and the architecture (downloaded once into the cache).
      try {
        pinnedConfig = debianConfig(root, arch);
        kernelConfig = pinnedConfig.file;
      } catch (e) {
        warnings.push(`lazymmu.kernelConfig: ${(e as Error).message}; no kernel .config is used`);
      }
    } else {
      const p = path.resolve(root, s.kernelConfig);
      if (!fs.existsSync(p) || !fs.statSync(p).isFile())
        warnings.push(`lazymmu.kernelConfig: ${p} does not exist or is not a file; no kernel .config is used`);
      else {
        try {
          pinnedConfig = { kind: 'file', file: p, label: p, values: KernelConfig.load(p) };
          kernelConfig = p;
        } catch (e) {
          warnings.push(`lazymmu.kernelConfig: ${(e as Error).message}; no kernel .config is used`);
        }
      }
    }
  }
  let minImpact: Settings['minImpact'] = 'contract';
  if (s.minImpact !== undefined && s.minImpact !== null && s.minImpact !== '') {
    if (s.minImpact === 'contract' || s.minImpact === 'hazard') minImpact = s.minImpact;
    else warnings.push(`lazymmu.minImpact: "${String(s.minImpact)}" is not one of contract, hazard; using contract`);
  }
  let showAllowedNesting = false;
  if (s.showAllowedNesting !== undefined && s.showAllowedNesting !== null) {
    if (typeof s.showAllowedNesting === 'boolean') showAllowedNesting = s.showAllowedNesting;
    else warnings.push('lazymmu.showAllowedNesting must be true or false; allowed nesting is not shown');
  }
  let showOnlyNewSince = 'off';
  if (s.showOnlyNewSince !== undefined && s.showOnlyNewSince !== null && s.showOnlyNewSince !== '') {
    // A revision is checked by git when the base is computed; here only the shape.
    if (typeof s.showOnlyNewSince === 'string' && !/^-|\s/.test(s.showOnlyNewSince)) showOnlyNewSince = s.showOnlyNewSince;
    else warnings.push(`lazymmu.showOnlyNewSince: "${String(s.showOnlyNewSince)}" is not "off", "mergeBase" or a revision; showing every finding`);
  }
  return { settings: { arch, extraApis, model, exclude, kernelConfig, pinnedConfig, minImpact, showAllowedNesting, showOnlyNewSince }, warnings };
}

/** Whether `file` matches one of the exclude globs (tried against its path relative to `root`, and its absolute path). */
export function isExcluded(file: string, root: string, exclude: string[]): boolean {
  if (!exclude.length) return false;
  const rel = path.relative(root, file).split(path.sep).join('/');
  const abs = file.split(path.sep).join('/');
  return exclude.some((g) => minimatch(rel, g, { dot: true, matchBase: !g.includes('/') }) || minimatch(abs, g, { dot: true }));
}
