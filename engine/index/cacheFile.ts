// The index cache's file as written: its preamble, its head and its body in
// the aligned serial form (indexCache.ts reads them), written to a temporary
// file renamed over the old one, so that a reader finds the old file or the
// new one, never a part of one. One function for both writers: this thread's
// (a delta, a small tree) and another thread's (a cold build's whole cache:
// cacheWriter.ts), so both write the same bytes from the same parts.
import * as fs from 'fs';
import * as path from 'path';
import { serializeAligned } from '../alignedSerial';
import { StoredNames, nameSlots } from './storedNames';

/** A cache file's first bytes; then the head's and the body's lengths (4 bytes each, little-endian), the head, the body. */
export const FILE_MAGIC = Buffer.from('lazymmu-scan-7\n\0');
/** Where the head starts (a multiple of 8, as the aligned form's arrays need; each part's length is one too). */
export const PREAMBLE = FILE_MAGIC.length + 8;

/** The body's arrays as the save leaves them: the names' hash slots not made yet, the words maybe in pieces (joined when written). */
export interface BodyParts {
  /** Every name in id order (bytes when all are ASCII: storedNames.ts). */
  nameText: string | Buffer;
  nameEnds: Int32Array;
  /** The scans' words, one piece after the other. */
  data: Int32Array[];
}

/** One whole file to write: its head already in serial form (small: the files, their stats and hashes), its body's parts. */
export interface FileParts {
  file: string;
  head: Buffer;
  body: BodyParts;
  /** A file that no longer applies once this one is in place (a whole cache's old delta): removed after the rename. */
  removeAfter?: string;
}

/** The body's bytes in serial form: the names' hash slots made here, the words joined (what indexCache.ts's Body reads). */
export function bodyPieces(body: BodyParts): Buffer[] {
  const { nameText, nameEnds } = body;
  const slots = nameSlots(new StoredNames(nameText, nameEnds));
  const data = body.data.length === 1 ? body.data[0] : joined(body.data);
  return serializeAligned({ nameText, nameEnds, nameSlots: slots, data });
}

function joined(pieces: Int32Array[]): Int32Array {
  const all = new Int32Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** Writes `parts` (atomically: a temporary file renamed over the old one); a failure leaves no temporary file and throws. */
export function writeCacheFile(parts: FileParts): void {
  const { file } = parts;
  const body = bodyPieces(parts.body);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const preamble = Buffer.alloc(PREAMBLE);
  FILE_MAGIC.copy(preamble);
  preamble.writeUInt32LE(parts.head.length, FILE_MAGIC.length);
  preamble.writeUInt32LE(body.reduce((n, p) => n + p.length, 0), FILE_MAGIC.length + 4);
  let renamed = false;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      for (const piece of [preamble, parts.head, ...body]) for (let at = 0; at < piece.length; ) at += fs.writeSync(fd, piece, at);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    renamed = true;
  } finally {
    if (!renamed) fs.rmSync(tmp, { force: true });
  }
  if (parts.removeAfter) fs.rmSync(parts.removeAfter, { force: true });
}
