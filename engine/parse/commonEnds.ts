// The common prefix and suffix of two texts (an edit's range between them).

/**
 * [prefix, suffix] lengths, the suffix within what the prefix leaves of the
 * shorter text. Compared a block at a time, then narrowed (4096, 512, 64,
 * 8, 1 characters): a block compare of two strings is a memory compare,
 * where a loop over every character of a 200 KB file cost ~1.5 ms per edit.
 */
export function commonEnds(a: string, b: string): [number, number] {
  const max = Math.min(a.length, b.length);
  let p = 0;
  for (let block = 4096; block >= 1; block >>= 3) while (p + block <= max && a.slice(p, p + block) === b.slice(p, p + block)) p += block;
  let s = 0;
  const room = max - p;
  for (let block = 4096; block >= 1; block >>= 3)
    while (s + block <= room && a.slice(a.length - s - block, a.length - s) === b.slice(b.length - s - block, b.length - s)) s += block;
  return [p, s];
}
