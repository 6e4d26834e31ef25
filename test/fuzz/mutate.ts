// Mutations of C text: byte flips, truncation, deleted tokens, macro soup,
// unbalanced braces and #if groups, lazy-mode calls dropped in anywhere.
import { Rng } from './rng';
import { LAZY } from './generate';

export type Mutation =
  | 'byteFlip'
  | 'truncate'
  | 'deleteToken'
  | 'macroSoup'
  | 'braces'
  | 'ifdefs'
  | 'lazyCalls'
  | 'duplicateLines'
  | 'crlf'
  | 'deepNesting';

export const MUTATIONS: Mutation[] = [
  'byteFlip',
  'truncate',
  'deleteToken',
  'macroSoup',
  'braces',
  'ifdefs',
  'lazyCalls',
  'duplicateLines',
  'crlf',
  'deepNesting',
];

const SOUP = [
  '#define FZ(x) x(',
  '#define FZ2(a, ...) a##__VA_ARGS__ {',
  'FZ(FZ(FZ(',
  'list_for_each_entry(pos, head, member',
  'for_each_vma(vmi, vma) {',
  '__attribute__((unused)) __always_inline',
  '#undef arch_enter_lazy_mmu_mode',
  '#define arch_enter_lazy_mmu_mode() do { } while (0)',
  '#define set_pte_at(m, a, p, e) set_pte(p, e)',
  '({ int __x = (',
  '__stringify(',
  '"unterminated string',
  "'x",
  '/* unterminated comment',
  '// line comment \\',
  '\\',
  '#',
  '#pragma',
  '#include',
  'asm volatile("" ::: "memory");',
];
const LAZY_AND_PTES = [
  ...LAZY,
  'set_pte_at(mm, addr, pte, pte_mkwrite(ptep_get(pte)));',
  'entry = ptep_get(pte);',
];
const IFS = ['#if 0', '#ifdef CONFIG_ARM64', '#ifndef CONFIG_MMU', '#if defined(CONFIG_X86) && !defined(CONFIG_X86)', '#else', '#elif 1', '#endif'];

function insertAt(text: string, at: number, s: string): string {
  return text.slice(0, at) + s + text.slice(at);
}

/** A line boundary near a random offset. */
function lineStart(rng: Rng, text: string): number {
  const at = rng.int(text.length + 1);
  const nl = text.lastIndexOf('\n', at - 1);
  return nl + 1;
}

export function mutateBytes(rng: Rng, buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  const n = rng.range(1, 16);
  for (let i = 0; i < n && out.length; i++) {
    const at = rng.int(out.length);
    const r = rng.next();
    if (r < 0.5) out[at] ^= 1 << rng.int(8);
    else if (r < 0.8) out[at] = rng.int(256);
    else out[at] = rng.pick([0x7b, 0x7d, 0x28, 0x29, 0x23, 0x22, 0x27, 0x2f, 0x2a, 0x5c, 0x0a, 0x00, 0xff, 0xc3]);
  }
  return out;
}

export function mutate(rng: Rng, text: string, kind: Mutation): string {
  switch (kind) {
    case 'byteFlip':
      return mutateBytes(rng, Buffer.from(text, 'utf8')).toString('utf8');
    case 'truncate':
      return text.slice(0, rng.int(text.length + 1));
    case 'deleteToken': {
      const toks = [...text.matchAll(/\w+|[{}()\[\];,#]|\/\*|\*\//g)];
      let t = text;
      for (let i = rng.range(1, 8); i > 0 && toks.length; i--) {
        const m = toks.splice(rng.int(toks.length), 1)[0];
        // Deleting back to front keeps earlier indices valid; blank instead to keep it simple.
        t = t.slice(0, m.index!) + ' '.repeat(m[0].length) + t.slice(m.index! + m[0].length);
      }
      return t;
    }
    case 'macroSoup': {
      let t = text;
      for (let i = rng.range(1, 6); i > 0; i--) t = insertAt(t, lineStart(rng, t), rng.pick(SOUP) + '\n');
      return t;
    }
    case 'braces': {
      let t = text;
      for (let i = rng.range(1, 6); i > 0; i--) {
        if (rng.chance(0.5)) t = insertAt(t, rng.int(t.length + 1), rng.pick(['{', '}', '(', ')', '{{{', '}}}']));
        else {
          const idx = [...t.matchAll(/[{}]/g)].map((m) => m.index!);
          if (idx.length) {
            const at = rng.pick(idx);
            t = t.slice(0, at) + t.slice(at + 1);
          }
        }
      }
      return t;
    }
    case 'ifdefs': {
      let t = text;
      for (let i = rng.range(1, 5); i > 0; i--) t = insertAt(t, lineStart(rng, t), rng.pick(IFS) + '\n');
      return t;
    }
    case 'lazyCalls': {
      let t = text;
      for (let i = rng.range(1, 6); i > 0; i--) t = insertAt(t, lineStart(rng, t), '\t' + rng.pick(LAZY_AND_PTES) + '\n');
      return t;
    }
    case 'duplicateLines': {
      const lines = text.split('\n');
      for (let i = rng.range(1, 4); i > 0 && lines.length; i--) {
        const a = rng.int(lines.length);
        const len = rng.range(1, 30);
        lines.splice(rng.int(lines.length), 0, ...lines.slice(a, a + len));
      }
      return lines.join('\n');
    }
    case 'crlf':
      return rng.chance(0.5) ? text.replace(/\n/g, '\r\n') : text.replace(/\n/g, () => rng.pick(['\n', '\r\n', '\r', '\n\r']));
    case 'deepNesting': {
      const d = rng.range(20, 400);
      const body = `int fz_deep(pte_t *pte)\n{\n\tarch_enter_lazy_mmu_mode();\n${'if (x) {'.repeat(d)}set_pte(pte, e); x = ptep_get(pte);${'}'.repeat(rng.chance(0.8) ? d : rng.int(d))}\n\tarch_leave_lazy_mmu_mode();\n}\n`;
      return insertAt(text, lineStart(rng, text), body);
    }
  }
}
