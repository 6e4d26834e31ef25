// Whether two sets share a member, looked up from the smaller one: an edit's
// changed names (a few) against every kept summary's and verdict's
// dependencies (up to thousands each), without copying either set.

export function setsMeet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  if (!small.size) return false;
  for (const x of small) if (large.has(x)) return true;
  return false;
}
