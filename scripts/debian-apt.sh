#!/usr/bin/env bash
# Usage: scripts/debian-apt.sh download SUITE ARCH PACKAGE
#
# Downloads one Debian package (not installed) and prints the .deb's absolute
# path as the last line on stdout. SUITE is `unstable` or `bookworm` (with its
# -updates and -security suites); ARCH is a Debian architecture (amd64,
# arm64, ...; `all` for architecture-independent packages, fetched with the
# machine's own architecture lists).
#
# apt runs with private sources and lists under
# ${LAZYMMU_CACHE:-$HOME/.cache/lazymmu}/apt/SUITE-ARCH/ (Dir::Etc::sourcelist,
# Dir::Etc::sourceparts=-, Dir::State::Lists, Dir::Cache): the machine's own
# apt sources and lists are never read or changed. The lists are refreshed
# when missing, older than a day, or when the package is not (or no longer)
# in them. Downloads are kept in that folder and reused while current.
# Any failure exits non-zero with a message on stderr.
set -euo pipefail

die() {
  echo "debian-apt.sh: $*" >&2
  exit 1
}
log() {
  echo "debian-apt.sh: $*" >&2
}

[ $# -eq 4 ] && [ "$1" = download ] || die "usage: $0 download SUITE ARCH PACKAGE"
SUITE=$2
ARCH=$3
PKG=$4
case "$SUITE" in
  unstable) SUITES="unstable" ;;
  bookworm) SUITES="bookworm bookworm-updates" ;;
  *) die "unsupported suite '$SUITE' (expected unstable or bookworm)" ;;
esac
[[ "$ARCH" =~ ^[a-z0-9]+$ ]] || die "bad architecture '$ARCH'"
[[ "$PKG" =~ ^[a-z0-9][a-z0-9.+-]+$ ]] || die "bad package name '$PKG'"
command -v apt-get >/dev/null 2>&1 || die "apt-get is not available"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$KEYRING" ] || die "$KEYRING is missing (install debian-archive-keyring)"

CACHE="${LAZYMMU_CACHE:-${HOME:?HOME is not set}/.cache/lazymmu}"
LISTARCH=$ARCH
[ "$ARCH" = all ] && LISTARCH="$(dpkg --print-architecture)"
DIR="$CACHE/apt/$SUITE-$LISTARCH"
mkdir -p "$DIR/lists/partial" "$DIR/cache/archives/partial" "$DIR/debs" || die "cannot create $DIR"

{
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$SUITES" "$KEYRING"
  if [ "$SUITE" = bookworm ]; then
    printf '\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: %s\n' "$KEYRING"
  fi
} >"$DIR/sources.sources"

APT_OPTS=(
  -o "Dir::Etc::sourcelist=$DIR/sources.sources"
  -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$DIR/lists"
  -o "Dir::Cache=$DIR/cache"
  -o "APT::Architecture=$LISTARCH"
  -o "APT::Architectures=$LISTARCH"
  -o "APT::Sandbox::User=root"
  -o "Acquire::Retries=3"
)

exec 9>"$DIR/lock" || die "cannot open $DIR/lock"
flock 9 || die "cannot lock $DIR/lock"

update() {
  log "updating the private package lists for Debian $SUITE ($LISTARCH)"
  apt-get "${APT_OPTS[@]}" update >&2 || die "apt-get update (Debian $SUITE, $LISTARCH) failed"
  touch "$DIR/updated"
}
candidate() {
  apt-cache "${APT_OPTS[@]}" policy "$PKG" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

if [ ! -f "$DIR/updated" ] || [ -n "$(find "$DIR/updated" -mmin +1440)" ]; then update; fi
VER="$(candidate)"
if [ -z "$VER" ]; then
  update
  VER="$(candidate)"
fi
[ -n "$VER" ] || die "Debian $SUITE ($LISTARCH) has no package $PKG"

# apt-get download names the file PKG_VERSION_ARCH.deb, the epoch's colon escaped.
FILE_VER="${VER//:/%3a}"
DEB="$(ls "$DIR/debs/${PKG}_${FILE_VER}_"*.deb 2>/dev/null | head -n1 || true)"
if [ -z "$DEB" ]; then
  log "downloading $PKG $VER (Debian $SUITE, $LISTARCH)"
  rm -f "$DIR/debs/${PKG}_"*.deb
  (cd "$DIR/debs" && apt-get "${APT_OPTS[@]}" download "$PKG=$VER" >&2) || die "apt-get download $PKG=$VER failed"
  DEB="$(ls "$DIR/debs/${PKG}_${FILE_VER}_"*.deb 2>/dev/null | head -n1 || true)"
  [ -n "$DEB" ] || die "apt-get download $PKG=$VER left no .deb in $DIR/debs"
fi
dpkg-deb -f "$DEB" Package >/dev/null 2>&1 || die "$DEB is not a valid Debian package"
echo "$DEB"
