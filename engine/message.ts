// A finding's message as data: sentences made of text, code names and source
// places. Checkers never write a line number into text; each front end renders
// the places its own way (the CLI's "line 905", SARIF's links to related
// locations, the editor's moved places after an edit), in the manner of
// clangd's diagnostics, whose notes carry places and whose text stays short.

/** A place in the source (absolute file, 1-based line and column). */
export interface Place {
  file: string;
  line: number;
  column: number;
}

/** Plain text, a C name or expression (rendered as `x`), or a source place. */
export type MessagePart = string | { code: string } | { place: Place };

/** One sentence, without its closing period. */
export type Sentence = MessagePart[];

/**
 * A finding's message: the first sentence says what is wrong (at most
 * HEAD_LIMIT characters rendered), the next why it matters, the last what to do.
 */
export type Message = Sentence[];

/** Longest first sentence, rendered (clangd keeps the first line short; so do we). */
export const HEAD_LIMIT = 120;
/** Longest whole message, rendered: the rest belongs in related locations. */
export const MESSAGE_LIMIT = 420;

export const code = (text: string): MessagePart => ({ code: text.replace(/\s+/g, ' ') });
export const place = (p: Place): MessagePart => ({ place: { file: p.file, line: p.line, column: p.column } });

/**
 * A sentence from a template: strings in it are text, interpolated values are
 * parts (code(), place()), plain strings (text), numbers, or sentences (spliced in).
 *   sentence`stale read of ${code('pte')} (${place(p)})`
 */
export function sentence(strings: TemplateStringsArray, ...parts: (MessagePart | Sentence | number)[]): Sentence {
  const out: Sentence = [];
  strings.forEach((s, i) => {
    if (s) out.push(s);
    if (i >= parts.length) return;
    const p = parts[i];
    if (typeof p === 'number') out.push(String(p));
    else if (Array.isArray(p)) out.push(...p);
    else out.push(p);
  });
  return out;
}

export interface RenderOptions {
  /** How a place is shown; by default "line N", or "file.c:N" when `near` is another file. */
  place?: (p: Place) => string;
  /** The file the message is shown in (places in it are "line N"). */
  near?: string;
  /** How code is shown (default: between backticks). */
  code?: (text: string) => string;
  /** How plain text is shown (default: as it is; SARIF escapes brackets). */
  text?: (text: string) => string;
}

function baseName(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i >= 0 ? file.slice(i + 1) : file;
}

/** The default place text: "line 905" in the same file, "memory.c:905" in another. */
export function placeText(p: Place, near?: string): string {
  return near === undefined || p.file === near ? `line ${p.line}` : `${baseName(p.file)}:${p.line}`;
}

export function renderSentence(s: Sentence, opts: RenderOptions = {}): string {
  let out = '';
  for (const part of s) {
    if (typeof part === 'string') out += opts.text ? opts.text(part) : part;
    else if ('code' in part) out += opts.code ? opts.code(part.code) : `\`${part.code}\``;
    else out += opts.place ? opts.place(part.place) : placeText(part.place, opts.near);
  }
  return out;
}

/** The whole message as one line of text: sentences joined with ". ". */
export function renderMessage(m: Message, opts: RenderOptions = {}): string {
  return m
    .map((s) => renderSentence(s, opts).trim())
    .filter((s) => s.length > 0)
    .join('. ');
}

/** Every place a message names. */
export function messagePlaces(m: Message): Place[] {
  const out: Place[] = [];
  for (const s of m) for (const p of s) if (typeof p !== 'string' && 'place' in p) out.push(p.place);
  return out;
}

/** The message with its places moved (an edit shifted the text). */
export function moveMessage(m: Message, move: (p: Place) => Place): Message {
  return m.map((s) => s.map((p) => (typeof p !== 'string' && 'place' in p ? { place: move(p.place) } : p)));
}

/** A plain-text message (for tests and callers that have no places to name). */
export function textMessage(...sentences: string[]): Message {
  return sentences.map((s) => [s]);
}

/** The first of `candidates` whose rendering fits HEAD_LIMIT (the last one, the shortest, otherwise). */
export function fitHead(...candidates: Sentence[]): Sentence {
  for (const c of candidates) if (renderSentence(c).length <= HEAD_LIMIT) return c;
  return candidates[candidates.length - 1];
}

/** Source text on one line, cut to `max` characters, for messages. */
export function shortText(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 3) + '...' : t;
}
