#!/usr/bin/env bash
# Usage: scripts/debian-config.sh VERSION ARCH
#
# Prints the absolute path of Debian's own kernel configuration (.config) for
# kernel VERSION (the tree's VERSION.PATCHLEVEL: 6.1, 6.12, 7.2) and lazymmu
# architecture ARCH (arm64, x86, powerpc, s390, riscv, loongarch, arm, mips),
# as the last line on stdout. It comes from the linux-config-VERSION package
# of the suite that ships that kernel (bookworm for 6.1 and 6.12, unstable for
# newer ones), downloaded for the Debian architecture with private apt lists
# (scripts/debian-apt.sh: the machine's apt sources are never read or
# changed), and the generic flavour's config.<debarch>_none_<flavour>.xz is
# extracted once into ${LAZYMMU_CACHE:-$HOME/.cache/lazymmu}/debian-config/.
# Any failure exits non-zero with a message on stderr.
set -euo pipefail

die() {
  echo "debian-config.sh: $*" >&2
  exit 1
}

[ $# -eq 2 ] || die "usage: $0 VERSION ARCH"
VERSION=$1
ARCH=$2
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+$ ]] || die "bad kernel version '$VERSION' (expected e.g. 6.12)"
case "$VERSION" in
  6.1 | 6.12) SUITE=bookworm ;;
  *) SUITE=unstable ;;
esac
case "$ARCH" in
  arm64) DEBARCH=arm64 ;;
  x86) DEBARCH=amd64 ;;
  powerpc) DEBARCH=ppc64el ;;
  s390) DEBARCH=s390x ;;
  riscv) DEBARCH=riscv64 ;;
  loongarch) DEBARCH=loong64 ;;
  arm) DEBARCH=armhf ;;
  mips) DEBARCH=mips64el ;;
  *) die "no Debian architecture for '$ARCH'" ;;
esac
PKG="linux-config-$VERSION"
HERE="$(cd "$(dirname "$0")" && pwd -P)"
CACHE="${LAZYMMU_CACHE:-${HOME:?HOME is not set}/.cache/lazymmu}"

DEB="$(bash "$HERE/debian-apt.sh" download "$SUITE" "$DEBARCH" "$PKG")" || die "cannot download $PKG for $DEBARCH from Debian $SUITE"
PKG_VERSION="$(dpkg-deb -f "$DEB" Version)" || die "$DEB is not a Debian package"
DEST="$CACHE/debian-config/$PKG/${PKG_VERSION//:/%3a}/$DEBARCH"

# The generic flavour: config.<debarch>_none_<debarch>.xz, else the first config.<debarch>_none_*.xz.
LIST="$(dpkg-deb -c "$DEB" | awk '{ print $NF }' | grep -E "/usr/src/$PKG/config\.${DEBARCH}_none_[^/]*\.xz$" | sort)" || true
MEMBER="$(printf '%s\n' "$LIST" | grep -E "/config\.${DEBARCH}_none_${DEBARCH}\.xz$" | head -n1 || true)"
[ -n "$MEMBER" ] || MEMBER="$(printf '%s\n' "$LIST" | head -n1)"
[ -n "$MEMBER" ] || die "$DEB holds no config.${DEBARCH}_none_*.xz"
NAME="$(basename "$MEMBER" .xz)"
OUT="$DEST/$NAME"

if [ ! -s "$OUT" ]; then
  mkdir -p "$DEST" || die "cannot create $DEST"
  TMP="$(mktemp "$DEST/.extract.XXXXXX")"
  trap 'rm -f "$TMP"' EXIT
  dpkg-deb --fsys-tarfile "$DEB" | tar -xO "$MEMBER" | xz -d >"$TMP" || die "cannot extract $MEMBER from $DEB"
  grep -q '^CONFIG_' "$TMP" || die "$MEMBER in $DEB is not a kernel .config"
  mv "$TMP" "$OUT"
fi
echo "$OUT"
