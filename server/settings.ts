// lazymmu.* settings as the client sends them (initializationOptions,
// workspace/configuration or didChangeConfiguration), checked and defaulted.
import * as fs from 'fs';
import * as path from 'path';

/** Architectures the engine models (the CLI's --arch accepts the same). */
export const ARCHES = ['arm64', 'x86', 'powerpc', 's390', 'sparc', 'arm', 'riscv', 'loongarch', 'mips'];
export const DEFAULT_ARCH = 'arm64';

export interface Settings {
  arch: string;
  /** Absolute path of an extra APIs JSON file, when one is set. */
  extraApis?: string;
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
    else if (k === 'arch' || k === 'extraApis') flat[k] = v;
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
  return { settings: { arch, extraApis }, warnings };
}
