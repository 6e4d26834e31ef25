// The hover on a lazy-mode enter or leave call: the section's writes, reads
// and calls (each callee once, with its effect) as markdown. Places are links
// (file URI with #L<line>, which VS Code opens at the line); call chains are
// shortened to their first and last hops; lists and the whole text are bounded
// so a section of a thousand calls still gives a readable hover.
import { pathToFileURL } from 'url';
import type { SectionAccess, SectionInfo } from '../engine/sectionInfo';

/** Items shown per list; the rest are counted. */
export const MAX_ITEMS = 12;
/** Characters of the whole hover; past it the text is cut at a line. */
export const MAX_CHARS = 6000;

/** Text for inline code: backticks cannot end the span early. */
const code = (s: string) => '`' + s.replace(/`/g, "'").replace(/\s+/g, ' ') + '`';
/** Plain text with markdown's special characters escaped. */
const plain = (s: string) => s.replace(/[*_`[\]<>]/g, (m) => '\\' + m);

/** A chain of names (callee first, target last), its middle counted when long. */
export function shortChain(names: string[]): string {
  const c = names.map((n) => code(n + '()'));
  if (c.length <= 3) return c.join(' → ');
  return `${c[0]} → … ${c.length - 2} more … → ${c[c.length - 1]}`;
}

export function sectionHover(info: SectionInfo): string {
  const href = pathToFileURL(info.file).href;
  const at = (line: number) => `[line ${line}](${href}#L${line})`;
  const out: string[] = [];
  const end = info.leave ? `${code(info.leave.api + '()')} (${at(info.leave.line)})` : 'no leave in this function';
  out.push(`**lazy MMU section** in ${code(info.function + '()')}: ${code(info.enter.api + '()')} (${at(info.enter.line)}) to ${end}`);
  const list = (title: string, items: string[]) => {
    out.push('', `**${title}**`, '');
    if (!items.length) out.push('- none');
    for (const i of items.slice(0, MAX_ITEMS)) out.push(`- ${i}`);
    if (items.length > MAX_ITEMS) out.push(`- … and ${items.length - MAX_ITEMS} more`);
  };
  const access = (a: SectionAccess, verb: string) =>
    a.param ? `${at(a.line)}: ${code(a.api + '()')} ${verb} ${code(a.entry)} (its ${code(a.param)})` : `${at(a.line)}: ${code(a.api + '()')} ${verb} ${code(a.entry)}`;
  list('Writes', info.writes.map((w) => access(w, 'writes') + (w.param ? ', left unflushed' : '')));
  list('Reads', info.reads.map((r) => access(r, 'reads')));
  const known = info.calls.filter((c) => c.defined);
  const unknown = info.calls.filter((c) => !c.defined);
  list(
    'Calls while batching',
    known.map((c) => {
      const where = c.sites.length > 1 ? `lines ${c.sites.map((s) => at(s.line)).join(', ').replace(/\[line /g, '[')}` : at(c.line);
      const parts = [...c.effects.map(plain)];
      if (c.mayNest) parts.push(`may nest a section: ${shortChain(c.mayNest)}`);
      if (c.mayAllocate) parts.push(`may allocate a page table: ${shortChain(c.mayAllocate)}`);
      if (c.maySleep) parts.push(`may sleep: ${shortChain(c.maySleep)}`);
      return `${code(c.callee + '()')} (${where}): ${parts.join('; ')}`;
    }),
  );
  if (unknown.length) {
    const names = unknown.map((c) => code(c.callee + '()'));
    const shown = names.slice(0, MAX_ITEMS).join(', ') + (names.length > MAX_ITEMS ? ` and ${names.length - MAX_ITEMS} more` : '');
    out.push(`- not in the index (effect unknown): ${shown}`);
  }
  if (info.readsAfterWrite.length) {
    list(
      'Read after write (no flush between)',
      info.readsAfterWrite.map((h) => {
        const via = h.via ? ` (${at(h.via.line)}: ${plain(h.via.message)})` : '';
        const after = h.after ? ` after ${plain(h.after.message)}${h.via ? '' : ` (${at(h.after.line)})`}${via}` : '';
        return `${at(h.line)}: ${plain(h.message)}${after}`;
      }),
    );
  }
  const text = out.join('\n');
  if (text.length <= MAX_CHARS) return text;
  return text.slice(0, text.lastIndexOf('\n', MAX_CHARS)) + '\n\n*… (cut: the section is larger than a hover shows)*';
}

/**
 * Hovers computed for a document version, so hovering the same call again
 * answers at once; cleared whenever any document changes (a callee elsewhere
 * may have changed the section's effects) or a check finishes.
 */
export class HoverCache<T> {
  private map = new Map<string, T>();
  private key = (uri: string, version: number, line: number) => `${uri}\0${version}\0${line}`;
  get(uri: string, version: number, line: number): T | undefined {
    return this.map.get(this.key(uri, version, line));
  }
  set(uri: string, version: number, line: number, v: T): void {
    if (this.map.size > 200) this.map.clear();
    this.map.set(this.key(uri, version, line), v);
  }
  clear(): void {
    this.map.clear();
  }
}
