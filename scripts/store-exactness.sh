#!/bin/bash
# Analysis kept on disk (engine/store/) must not change what the CLI says.
# 1. Six configurations (6.1, 6.12, 7.2 x arm64, x86): the whole-tree JSON
#    cold (empty cache) equals the JSON warm (stored whole results removed,
#    so the analysis store answers).
# 2. Four one-line edits of 6.12's mm/memory.c in a hard-linked copy of the
#    tree (the kernel tree is never written: the edited file replaces the
#    link): warm on the store of the previous run equals cold.
# Usage: bash scripts/store-exactness.sh [OUT]   (~30 min on a quiet machine)
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$(mktemp -d /tmp/lazymmu-store-exact.XXXX)}
mkdir -p "$OUT"
CLI="node $REPO/bin/lazymmu.js check --format json"
fail=0
# The trees from the user's cache, before LAZYMMU_CACHE points at a throwaway
# one (kernel-tree.sh keeps its trees under it: it would extract them again there).
declare -A TREE
for v in 6.1 6.12 7.2; do TREE[$v]=$(bash "$REPO/scripts/kernel-tree.sh" "$v") || exit 1; done
C=$(mktemp -d); export LAZYMMU_CACHE=$C
for v in 6.1 6.12 7.2; do
  T=${TREE[$v]}
  for a in arm64 x86; do
    $CLI --root "$T" --arch $a "$T" > "$OUT/$v-$a-cold.json" 2>/dev/null
    rm -rf "$C/results"
    LAZYMMU_STORE_STATS=1 $CLI --root "$T" --arch $a "$T" > "$OUT/$v-$a-warm.json" 2> "$OUT/$v-$a-warm.err"
    if cmp -s "$OUT/$v-$a-cold.json" "$OUT/$v-$a-warm.json"; then echo "$v $a: warm == cold ($(grep 'analysis store' "$OUT/$v-$a-warm.err"))"; else echo "$v $a: DIFFERENT"; fail=1; fi
  done
done
rm -rf "$C"

T612=${TREE[6.12]}
W=$(mktemp -d); cp -al "$T612" "$W/tree"; T=$W/tree
C=$W/cache; export LAZYMMU_CACHE=$C
$CLI --root "$T" --arch arm64 "$T" > /dev/null 2>&1
edit() { # NAME FUNCTION-START-REGEX STATEMENT REPLACEMENT: one statement line of memory.c replaced
  node -e '
    const fs = require("fs");
    const [src, out, start, stmt, repl] = process.argv.slice(1);
    const lines = fs.readFileSync(src, "latin1").split("\n");
    const s = lines.findIndex((l) => new RegExp(start).test(l));
    const i = lines.findIndex((l, j) => j > s && l.trim() === stmt);
    if (s < 0 || i < 0) { console.error("edit not found: " + stmt); process.exit(1); }
    lines[i] = lines[i].replace(stmt, repl);
    fs.writeFileSync(out, lines.join("\n"), "latin1");
  ' "$T612/mm/memory.c" "$W/$1.c" "$2" "$3" "$4" || { fail=1; return; }
  rm -f "$T/mm/memory.c"; cp "$W/$1.c" "$T/mm/memory.c"
  rm -rf "$C/results"
  LAZYMMU_STORE_STATS=1 $CLI --root "$T" --arch arm64 "$T" > "$OUT/$1-warm.json" 2> "$OUT/$1-warm.err"
  local cold; cold=$(mktemp -d)
  LAZYMMU_CACHE=$cold $CLI --root "$T" --arch arm64 "$T" > "$OUT/$1-cold.json" 2>/dev/null
  rm -rf "$cold"
  if cmp -s "$OUT/$1-warm.json" "$OUT/$1-cold.json"; then echo "$1: warm == cold ($(grep 'analysis store' "$OUT/$1-warm.err"))"; else echo "$1: DIFFERENT"; fail=1; fi
}
edit E1-copy_pte_range '^copy_pte_range\(' 'progress++;' 'progress += 1;'
edit E2-callee '^copy_nonpresent_pte\(' 'rss[MM_SWAPENTS]++;' 'rss[MM_SWAPENTS] += 1;'
edit E3-call '^static int apply_to_pte_range\(' '*mask |= PGTBL_PTE_MODIFIED;' '*mask |= PGTBL_PTE_MODIFIED; cond_resched();'
edit E4-raw '^static int apply_to_pte_range\(' '*mask |= PGTBL_PTE_MODIFIED;' '*mask |= PGTBL_PTE_MODIFIED; set_pte_at(mm, addr, mapped_pte, ptep_get(mapped_pte)); if (pte_dirty(ptep_get(mapped_pte))) err = 1;'
rm -rf "$W"
echo "outputs in $OUT"
exit $fail
