// Documents the server will not analyse (too large, binary) and files of the
// workspace it cannot read: what to tell the user, and when. A refused
// document is named in one window/showMessage when it is first refused, not
// on every edit; if it becomes analysable again and later is refused again,
// it is named again. No engine or LSP imports: main.ts shows the messages.
import * as path from 'path';
import { MAX_PARSED_TEXT, isLeftOut } from '../engine/inputBounds';

/** Documents larger than this (in UTF-16 code units, as the editor sends them) are not analysed: the engine parses no larger text. */
export const MAX_TEXT = MAX_PARSED_TEXT;

export type Refusal = 'too-large' | 'binary';

/** Why a document's text cannot be analysed, or null when it can. */
export function refusalOf(text: string): Refusal | null {
  if (text.length > MAX_TEXT) return 'too-large';
  if (text.includes('\0')) return 'binary';
  return null;
}

export function refusalMessage(file: string, text: string, why: Refusal): string {
  const name = path.basename(file);
  if (why === 'too-large') {
    const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
    return `${name} is not checked: at ${mb(text.length)} it is larger than the ${mb(MAX_TEXT)} lazymmu analyses`;
  }
  return `${name} is not checked: it holds NUL bytes (binary content, not C source)`;
}

export class DocumentGuard {
  /** Per document: the refusal the user was last told about. */
  private told = new Map<string, Refusal>();

  /**
   * null: analyse the document. Otherwise why not, and the message to show
   * now (undefined when the user was already told for this document).
   */
  check(uri: string, file: string, text: string): { why: Refusal; message?: string } | null {
    const why = refusalOf(text);
    if (!why) {
      this.told.delete(uri);
      return null;
    }
    if (this.told.get(uri) === why) return { why };
    this.told.set(uri, why);
    return { why, message: refusalMessage(file, text, why) };
  }

  /** The document was closed: a later open is told again. */
  forget(uri: string): void {
    this.told.delete(uri);
  }
}

/**
 * One message for the files and folders under `root` the index could not
 * read (permissions, I/O errors), or null when there are none.
 */
export function unreadableMessage(root: string, problems: { file: string; message: string }[]): string | null {
  const bad = problems.filter((p) => /^cannot read/.test(p.message));
  if (!bad.length) return null;
  const shown = bad.slice(0, 3).map((p) => `${path.relative(root, p.file) || p.file} (${p.message})`);
  const more = bad.length > shown.length ? ` and ${bad.length - shown.length} more` : '';
  return `${bad.length} ${bad.length === 1 ? 'file or folder' : 'files or folders'} under ${root} cannot be read and ${bad.length === 1 ? 'is' : 'are'} left out of the analysis: ${shown.join('; ')}${more}`;
}

/** A check's left-out notes (engine/inputBounds.ts) for the checked file, each said once. */
export class BoundsTold {
  private told = new Set<string>();
  tell(file: string, problems: { file: string; message: string }[], say: (message: string) => void): void {
    for (const p of problems) {
      if (p.file !== file || !isLeftOut(p.message)) continue;
      const k = `${p.file}\0${p.message}`;
      if (this.told.has(k)) continue;
      this.told.add(k);
      say(`${path.basename(p.file)}: ${p.message}`);
    }
  }
}
