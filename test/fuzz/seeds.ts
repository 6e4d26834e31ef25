// Seed texts: 2-8 KB slices of real kernel files (cut at line boundaries, most
// of them around a lazy MMU call) read at run time from the cached Debian
// kernel tree; no kernel source is kept in the repository.
import * as fs from 'fs';
import * as path from 'path';
import { Rng } from './rng';
import { FULL, InputProfile } from './generate';

/** Files that use the lazy MMU API, and a few that do not (scanner and parser food). */
export const SEED_FILES = [
  'mm/memory.c',
  'mm/mremap.c',
  'mm/mprotect.c',
  'mm/madvise.c',
  'mm/vmscan.c',
  'mm/migrate_device.c',
  'mm/vmalloc.c',
  'arch/x86/xen/mmu_pv.c',
  'arch/powerpc/mm/book3s64/hash_tlb.c',
  'arch/powerpc/mm/book3s64/subpage_prot.c',
  'arch/sparc/mm/tlb.c',
  'arch/arm64/mm/mmu.c',
  'arch/arm64/mm/pageattr.c',
  'arch/arm64/include/asm/pgtable.h',
  'include/linux/pgtable.h',
];

export interface SeedFile {
  name: string;
  text: string;
  /** Offsets of lazy MMU calls (slices are centred on them most of the time). */
  lazyAt: number[];
}

export function loadSeeds(kernelDir: string): SeedFile[] {
  return SEED_FILES.map((name) => {
    const text = fs.readFileSync(path.join(kernelDir, name), 'utf8');
    const lazyAt = [...text.matchAll(/lazy_mmu_mode/g)].map((m) => m.index!);
    return { name, text, lazyAt };
  });
}

/** A slice cut at line boundaries (2-8 KB in the FULL profile). */
export function slice(rng: Rng, seed: SeedFile, profile: InputProfile = FULL): { text: string; from: number } {
  const len = rng.range(...profile.sliceBytes);
  const centre = seed.lazyAt.length && rng.chance(0.75) ? rng.pick(seed.lazyAt) : rng.int(seed.text.length);
  let from = Math.max(0, centre - rng.int(len));
  from = seed.text.lastIndexOf('\n', from) + 1;
  let to = Math.min(seed.text.length, from + len);
  const nl = seed.text.indexOf('\n', to);
  to = nl < 0 ? seed.text.length : nl + 1;
  return { text: seed.text.slice(from, to), from };
}
