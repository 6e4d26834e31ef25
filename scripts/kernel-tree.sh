#!/usr/bin/env bash
# Usage: scripts/kernel-tree.sh VERSION        (VERSION: 6.12, 6.1 or 7.2)
#
# Makes an extracted Linux kernel source tree available for the real-tree
# tests and prints its absolute path as the last line on stdout. The source
# comes from Debian's linux-source-VERSION package and is extracted once into
# ${LAZYMMU_CACHE:-$HOME/.cache/lazymmu}/linux-source-VERSION.
#
# 6.1 and 6.12 are in the machine's own suite (bookworm): the package is
# installed with apt-get when missing. 7.2 lives in Debian's unstable suite:
# its package is downloaded with private apt lists under the cache
# (scripts/debian-apt.sh), and nothing in the machine's apt sources changes.
#
# Extraction goes into a temporary directory beside the destination, which is
# renamed into place only when complete, with a stamp file naming the package
# version; a tree without a matching stamp is extracted anew. Concurrent runs
# for the same version are serialised with flock. Any failure exits non-zero
# with a message on stderr; progress messages go to stderr too.
set -euo pipefail

die() {
  echo "kernel-tree.sh: $*" >&2
  exit 1
}
log() {
  echo "kernel-tree.sh: $*" >&2
}

[ $# -eq 1 ] || die "usage: $0 VERSION (6.12, 6.1 or 7.2)"
VERSION=$1
case "$VERSION" in
  6.12 | 6.1) SUITE=system ;;
  7.2) SUITE=unstable ;;
  *) die "unsupported kernel version '$VERSION' (expected 6.12, 6.1 or 7.2)" ;;
esac

PKG="linux-source-$VERSION"
TARBALL="/usr/src/$PKG.tar.xz"
CACHE="${LAZYMMU_CACHE:-${HOME:?HOME is not set}/.cache/lazymmu}"
HERE="$(cd "$(dirname "$0")" && pwd -P)"
DEST="$CACHE/$PKG"
STAMP_NAME=".lazymmu-extracted"

# Runs a command as root (directly, or through sudo when not root).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

installed_version() {
  dpkg-query -W -f='${Status} ${Version}\n' "$PKG" 2>/dev/null |
    awk '$1 == "install" && $2 == "ok" && $3 == "installed" { print $4 }' || true
}

# 1. The Debian package that ships the source tarball.
ensure_package() {
  if [ -n "$(installed_version)" ] && [ -f "$TARBALL" ]; then
    return
  fi
  command -v apt-get >/dev/null 2>&1 || die "$PKG is not installed and apt-get is not available"
  local updated=0
  # The package lists may be missing or old on a fresh machine: update them
  # (once) when apt does not know the package.
  if ! apt-cache show "$PKG" >/dev/null 2>&1; then
    log "apt does not know $PKG yet: running apt-get update"
    as_root apt-get update >&2 || die "apt-get update failed"
    updated=1
  fi
  log "installing $PKG"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$PKG" >&2; then
    [ "$updated" -eq 0 ] || die "apt-get install $PKG failed"
    # Stale lists can point at package files the mirror no longer has.
    log "install failed: running apt-get update and trying again"
    as_root apt-get update >&2 || die "apt-get update failed"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$PKG" >&2 ||
      die "apt-get install $PKG failed"
  fi
  [ -n "$(installed_version)" ] || die "$PKG is still not installed after apt-get install"
  [ -f "$TARBALL" ] || die "$PKG is installed but $TARBALL is missing"
}

looks_complete() {
  [ -f "$1/Makefile" ] && [ -f "$1/mm/memory.c" ] && [ -d "$1/arch/arm64" ]
}

# 1'. The same package from another suite, downloaded (not installed) with
# private apt lists; its tarball is taken out of the .deb.
ensure_downloaded() {
  local deb
  deb="$(bash "$HERE/debian-apt.sh" download "$SUITE" all "$PKG")" || die "cannot download $PKG from Debian $SUITE"
  PKG_VERSION="$(dpkg-deb -f "$deb" Version)" || die "$deb is not a Debian package"
  DEB="$deb"
}

if [ "$SUITE" = system ]; then
  ensure_package
  PKG_VERSION="$(installed_version)"
else
  ensure_downloaded
fi
WANT_STAMP="$PKG $PKG_VERSION"

mkdir -p "$CACHE" || die "cannot create cache directory $CACHE"
CACHE="$(cd "$CACHE" && pwd -P)"
DEST="$CACHE/$PKG"

# Serialise with other runs for the same tree (e.g. tests running in parallel).
exec 9>"$CACHE/$PKG.lock" || die "cannot open lock file $CACHE/$PKG.lock"
flock 9 || die "cannot lock $CACHE/$PKG.lock"

if [ -f "$DEST/$STAMP_NAME" ] && [ "$(cat "$DEST/$STAMP_NAME")" = "$WANT_STAMP" ] && looks_complete "$DEST"; then
  echo "$DEST"
  exit 0
fi

if [ -e "$DEST" ]; then
  log "$DEST is incomplete or from another package version: extracting again"
fi

command -v xz >/dev/null 2>&1 || die "xz is missing (install xz-utils)"
# Leftovers of interrupted runs (we hold the lock, so none is in use).
rm -rf "$CACHE/.extract-$PKG."*
TMP="$(mktemp -d "$CACHE/.extract-$PKG.XXXXXX")" || die "cannot create a temporary directory in $CACHE"
cleanup() {
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ "$SUITE" != system ]; then
  log "unpacking $DEB"
  dpkg-deb -x "$DEB" "$TMP/deb" || die "unpacking $DEB failed"
  TARBALL="$TMP/deb/usr/src/$PKG.tar.xz"
  [ -f "$TARBALL" ] || die "$DEB does not hold usr/src/$PKG.tar.xz"
fi
log "extracting $TARBALL into $CACHE (takes a while)"
tar -xJf "$TARBALL" -C "$TMP" || die "extracting $TARBALL failed"
rm -rf "$TMP/deb"
[ -d "$TMP/$PKG" ] || die "$TARBALL did not contain the directory $PKG/"
looks_complete "$TMP/$PKG" || die "the tree extracted from $TARBALL lacks Makefile, mm/memory.c or arch/arm64/"
printf '%s\n' "$WANT_STAMP" >"$TMP/$PKG/$STAMP_NAME"

# Swap the new tree in; an old one is moved into the temporary directory and
# removed with it.
if [ -e "$DEST" ]; then
  mv "$DEST" "$TMP/old" || die "cannot move the old tree $DEST aside"
fi
mv "$TMP/$PKG" "$DEST" || die "cannot move the extracted tree to $DEST"
log "kernel tree ready: $DEST"
echo "$DEST"
