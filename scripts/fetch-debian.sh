#!/usr/bin/env bash
# A Debian trixie riscv64 root for the tests: build/debian/ (or the folder given as
# the first argument: tuml-mkimage from=debian debian-dir=DIR uses it that way)
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
# Idempotent: nothing is done when the folder's .tuml-ready stamp names the same
# suite, packages and layout version. Needs root (debootstrap creates device nodes
# and owns files as root). TUML_PROGRESS=1 streams debootstrap's I: lines to stderr
# (as "debootstrap: ...") and counts the unpacking, for tuml-mkimage's progress line.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
dest=$(realpath -m "${1:-$here/build/debian}")
suite=${TUML_SUITE:-trixie}
# python3 with its whole standard library (sqlite3, asyncio), the sqlite3 shell, perl
# with its modules, and a compiler (gcc, binutils, libc6-dev) for "gcc inside the guest".
default_extra=python3-minimal,python3,python3.13,libpython3.13-stdlib,sqlite3,perl,gcc,binutils,libc6-dev
# TUML_DEBIAN_INCLUDE="" gives minbase alone.
extra=${TUML_DEBIAN_INCLUDE-$default_extra}

log() { printf 'fetch-debian: %s\n' "$*" >&2; }
die() { printf 'fetch-debian: error: %s\n' "$*" >&2; exit 1; }

# What the stamp records: bump layout= when the steps below change what they make.
want="layout=1 suite=$suite include=$extra"
default_want="layout=1 suite=trixie include=$default_extra"
if [ -e "$dest/.tuml-ready" ]; then
  have=$(cat "$dest/.tuml-ready")
  # An empty stamp is from before stamps had contents: the default packages.
  if [ "$have" = "$want" ] || { [ -z "$have" ] && [ "$want" = "$default_want" ]; }; then
    log "ready: $dest"
    exit 0
  fi
fi
logf="$here/build/debootstrap.log"
[ "$dest" = "$(realpath -m "$here/build/debian")" ] || logf="$dest.debootstrap.log"
progress() { if [ -n "${TUML_PROGRESS:-}" ]; then sed -u -n 's/^I: /debootstrap: /p' >&2; else cat >/dev/null; fi; }

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
debootstrap --foreign --arch=riscv64 --variant=minbase ${extra:+--include="$extra"} "${kopt[@]}" \
  "$suite" "$tmp" "$uri" 2>&1 | tee "$logf" | progress \
  || { tail -n 30 "$logf" >&2; die "debootstrap failed"; }

# The first stage unpacked the required packages; unpack the others too.
n=0
debs=("$tmp"/var/cache/apt/archives/*.deb)
for deb in "${debs[@]}"; do
  [ -e "$deb" ] || continue
  dpkg -x "$deb" "$tmp"
  n=$((n + 1))
  if [ -n "${TUML_PROGRESS:-}" ]; then log "unpacking $n/${#debs[@]} $(basename "$deb")"; fi
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
echo "$want" > "$dest/.tuml-ready"
log "ready: $dest ($(du -sh "$dest" | cut -f1))"
