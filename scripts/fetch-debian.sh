#!/usr/bin/env bash
# A Debian trixie riscv64 root for the tests: build/debian/
#
#   debootstrap --foreign --arch=riscv64 --variant=minbase trixie build/debian URI
#
# gives an unconfigured root (the first stage: the essential packages unpacked,
# nothing configured). The extra packages (--include) are only downloaded by
# the first stage; they are unpacked here with dpkg -x, as are the /etc files
# a configured system would have (passwd, group), so that shells and ls -l work.
#
# The Debian mirror is read from the machine's apt sources (TUML_DEBIAN_MIRROR
# overrides it); none is written here. The machine's own apt state is never
# touched: debootstrap keeps everything inside the target folder.
# Idempotent: nothing is done when build/debian/.tuml-ready is newer than this
# script. Needs root (debootstrap creates device nodes and owns files as root).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/build/debian"
suite=${TUML_SUITE:-trixie}
# python3 with its whole standard library (sqlite3, asyncio), the sqlite3 shell, perl
# with its modules, and a compiler (gcc, binutils, libc6-dev) for "gcc inside the guest".
extra=${TUML_DEBIAN_INCLUDE:-python3-minimal,python3,python3.13,libpython3.13-stdlib,sqlite3,perl,gcc,binutils,libc6-dev}

log() { printf 'fetch-debian: %s\n' "$*" >&2; }
die() { printf 'fetch-debian: error: %s\n' "$*" >&2; exit 1; }

if [ -e "$dest/.tuml-ready" ] && [ "$dest/.tuml-ready" -nt "$0" ]; then
  log "ready: build/debian"
  exit 0
fi

. "$here/scripts/lib/mirror.sh"

command -v debootstrap >/dev/null || die "debootstrap is needed (apt-get install debootstrap)"
command -v dpkg >/dev/null || die "dpkg is needed"
[ "$(id -u)" = 0 ] || die "debootstrap needs root"
uri=$(mirror_uri) || die "no Debian source found in /etc/apt (set TUML_DEBIAN_MIRROR=URI)"

tmp="$dest.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
kopt=(--keyring="$keyring"); [ -r "$keyring" ] || kopt=(--no-check-gpg)
log "debootstrap --foreign $suite riscv64 minbase (+ $extra) from $uri"
debootstrap --foreign --arch=riscv64 --variant=minbase --include="$extra" "${kopt[@]}" \
  "$suite" "$tmp" "$uri" >"$here/build/debootstrap.log" 2>&1 \
  || { tail -n 30 "$here/build/debootstrap.log" >&2; die "debootstrap failed"; }

# The first stage unpacked the required packages; unpack the others too.
n=0
for deb in "$tmp"/var/cache/apt/archives/*.deb; do
  [ -e "$deb" ] || continue
  dpkg -x "$deb" "$tmp"
  n=$((n + 1))
done
log "unpacked $n packages"

# What base-passwd's and base-files' configuration would create.
[ -e "$tmp/etc/passwd" ] || cp "$tmp/usr/share/base-passwd/passwd.master" "$tmp/etc/passwd"
[ -e "$tmp/etc/group" ] || cp "$tmp/usr/share/base-passwd/group.master" "$tmp/etc/group"
# python3-minimal's configuration makes the python3 link
if [ ! -e "$tmp/usr/bin/python3" ]; then
  py=$(cd "$tmp/usr/bin" && ls python3.[0-9]* 2>/dev/null | grep -E '^python3\.[0-9]+$' | head -n1 || true)
  [ -n "$py" ] && ln -s "$py" "$tmp/usr/bin/python3"
fi
# device nodes for a chroot under qemu (debootstrap makes them unless in a container)
for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  IFS=: read -r name maj min <<<"$d"
  [ -e "$tmp/dev/$name" ] || mknod -m 666 "$tmp/dev/$name" c "$maj" "$min" 2>/dev/null || true
done
mkdir -p "$tmp/proc" "$tmp/sys" "$tmp/tmp" && chmod 1777 "$tmp/tmp"

rm -rf "$dest" && mv "$tmp" "$dest"
touch "$dest/.tuml-ready"
log "ready: build/debian ($(du -sh "$dest" | cut -f1))"
