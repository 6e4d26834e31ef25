// The hover on a lazy-mode enter or leave call: the section's writes, reads
// and calls (each callee with its effect) as markdown.
import type { SectionInfo } from '../engine/sectionInfo';

/** Text for inline code: backticks cannot end the span early. */
const code = (s: string) => '`' + s.replace(/`/g, "'").replace(/\s+/g, ' ') + '`';

export function sectionHover(info: SectionInfo): string {
  const out: string[] = [];
  const end = info.leave ? `${code(info.leave.api + '()')} (line ${info.leave.line})` : 'no leave in this function';
  out.push(`**lazy MMU section** in ${code(info.function + '()')}: ${code(info.enter.api + '()')} (line ${info.enter.line}) to ${end}`);
  const list = (title: string, items: string[]) => {
    out.push('', `**${title}**`, '');
    if (!items.length) out.push('- none');
    else for (const i of items) out.push(`- ${i}`);
  };
  list(
    'Writes',
    info.writes.map((w) => `line ${w.line}: ${code(`${w.api}()`)} writes ${code(w.entry)}`),
  );
  list(
    'Reads',
    info.reads.map((r) => `line ${r.line}: ${code(`${r.api}()`)} reads ${code(r.entry)}`),
  );
  const known = info.calls.filter((c) => c.defined);
  const unknown = info.calls.filter((c) => !c.defined);
  list(
    'Calls while batching',
    known.map((c) => `line ${c.line}: ${code(c.callee + '()')}: ${c.effects.join('; ')}`),
  );
  if (unknown.length) out.push(`- not in the index (effect unknown): ${[...new Set(unknown.map((c) => code(c.callee + '()')))].join(', ')}`);
  if (info.readsAfterWrite.length) {
    list(
      'Read after write (no flush between)',
      info.readsAfterWrite.map((h) => {
        const text = h.after ? `${h.message} after ${h.after.message} (line ${h.after.line})` : h.message;
        return `line ${h.line}: ${text.replace(/[*_`[\]]/g, (m) => '\\' + m)}`;
      }),
    );
  }
  return out.join('\n');
}
