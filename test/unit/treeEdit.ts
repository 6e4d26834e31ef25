// Editing a fixture tree copied for a test, as an editor's save or the bench's
// copy of a hard-linked tree does it: the file is replaced by a new one (another
// size and mtime), never written in place.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

/** Replaces `from` by `to` in `root/file`; the text must hold `from`. */
export function edit(root: string, file: string, from: string, to: string): void {
  const f = path.join(root, file);
  const text = fs.readFileSync(f, 'utf8');
  assert.ok(text.includes(from), `${file} holds ${from}`);
  fs.unlinkSync(f);
  fs.writeFileSync(f, text.replace(from, to));
}
