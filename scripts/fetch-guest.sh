#!/usr/bin/env bash
# Fetch the riscv64 guest software that tuml's tests and default boot use, and
# build the hostfs root folder build/root/.
#
#   build/apt/       a private apt state (lists, cache, sources): the machine's own
#                    apt configuration and state are never changed
#   build/busybox/   Debian trixie's busybox-static for riscv64, unpacked (dpkg -x)
#   build/guest/     the C test programs of tests/guest/, built static for riscv64
#   build/root/      bin/busybox + applet symlinks, dev proc sys tmp etc, t/<tests>
#   build/initramfs.cpio     the default root (scripts/build-initramfs.sh)
#
# Idempotent: each step is skipped when its result is already there.
# The Debian mirror is read from the machine's apt sources; none is written here.
set -euo pipefail

# --optional (used by npm's postinstall): on a machine without apt, qemu or
# network, warn and succeed, so `npm install` still works. Never in CI.
if [ "${1:-}" = --optional ]; then
  if [ -n "${CI:-}" ] && [ "${CI}" != false ]; then exec bash "$0"; fi
  bash "$0" || { echo "fetch-guest: warning: guest software not fetched; run 'bash scripts/fetch-guest.sh' to see why" >&2; exit 0; }
  exit 0
fi

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
apt_dir="$build/apt"
bb_dir="$build/busybox"
root="$build/root"
suite=${TUML_SUITE:-trixie}

log() { printf 'fetch-guest: %s\n' "$*" >&2; }
die() { printf 'fetch-guest: error: %s\n' "$*" >&2; exit 1; }

# --- 1. the Debian mirror the machine already uses --------------------------
. "$here/scripts/lib/mirror.sh"

# trixie ships it as usr/bin/busybox (merged /usr); older suites as bin/busybox
bb_bin() { for p in usr/bin/busybox bin/busybox; do [ -x "$bb_dir/$p" ] && { echo "$bb_dir/$p"; return 0; }; done; return 1; }
have_busybox() { bb_bin >/dev/null; }

if ! have_busybox; then
  command -v apt-get >/dev/null || die "apt-get is needed to fetch busybox-static:riscv64"
  command -v dpkg >/dev/null || die "dpkg is needed to unpack busybox-static:riscv64"
  uri=$(mirror_uri) || die "no Debian source found in /etc/apt (set TUML_DEBIAN_MIRROR=URI)"
  log "using Debian mirror $uri, suite $suite"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/etc" "$apt_dir/debs"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  if [ -r "$keyring" ]; then opts="arch=riscv64 signed-by=$keyring"; else
    log "warning: $keyring missing; trusting the archive unsigned"; opts="arch=riscv64 trusted=yes"; fi
  echo "deb [$opts] $uri $suite main" > "$apt_dir/etc/sources.list"
  apt_opts=(
    -o APT::Architecture=riscv64
    -o APT::Architectures::=riscv64
    -o Dir::State::Lists="$apt_dir/lists"
    -o Dir::State::status=/dev/null
    -o Dir::Etc::SourceList="$apt_dir/etc/sources.list"
    -o Dir::Etc::SourceParts=/dev/null
    -o Dir::Cache="$apt_dir/cache"
    -o Dir::Cache::pkgcache=""
    -o Dir::Cache::srcpkgcache=""
    -o Debug::NoLocking=1
    -o Acquire::Languages=none
    -o Acquire::Check-Valid-Until=false
  )
  # An unprivileged apt drops to the _apt user for downloads; it cannot write
  # into a private folder owned by someone else, so stay as we are.
  [ "$(id -u)" = 0 ] && apt_opts+=(-o APT::Sandbox::User=root)
  log "apt-get update (private state in build/apt)"
  apt-get -q "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1 \
    || { cat "$apt_dir/update.log" >&2; die "apt-get update failed"; }
  log "apt-get download busybox-static:riscv64"
  (cd "$apt_dir/debs" && rm -f busybox-static_*.deb && apt-get -q "${apt_opts[@]}" download busybox-static:riscv64 >"$apt_dir/download.log" 2>&1) \
    || { cat "$apt_dir/download.log" >&2; die "apt-get download failed"; }
  deb=$(ls "$apt_dir"/debs/busybox-static_*_riscv64.deb | head -n1)
  rm -rf "$bb_dir.tmp" && mkdir -p "$bb_dir.tmp"
  dpkg -x "$deb" "$bb_dir.tmp"
  rm -rf "$bb_dir" && mv "$bb_dir.tmp" "$bb_dir"
  log "unpacked $(basename "$deb") into build/busybox"
fi
bb=$(bb_bin) || die "no busybox binary in build/busybox after unpacking"

# --- 2. the guest test programs ---------------------------------------------
if command -v riscv64-linux-gnu-gcc >/dev/null; then
  bash "$here/scripts/build-guest.sh"
else
  log "warning: riscv64-linux-gnu-gcc not found; test programs not built"
fi

# --- 3. the hostfs root -----------------------------------------------------
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,root,t}
chmod 1777 "$root/tmp"
if ! cmp -s "$bb" "$root/bin/busybox"; then
  install -m 0755 "$bb" "$root/bin/busybox"
  rm -f "$root/.applets"
fi
if [ ! -s "$root/.applets" ]; then
  # The list of applets comes from busybox itself, run on the oracle CPU.
  if command -v qemu-riscv64-static >/dev/null; then
    qemu-riscv64-static "$root/bin/busybox" --list-full > "$root/.applets.tmp"
  else
    die "qemu-riscv64-static is needed to list busybox applets (apt-get install qemu-user-static)"
  fi
  while IFS= read -r path; do
    [ -n "$path" ] || continue
    [ "$path" = bin/busybox ] && continue
    dir=$(dirname "$path")
    mkdir -p "$root/$dir"
    # a relative link keeps the root valid wherever it is mounted
    rel=$(realpath -m -s --relative-to="/$dir" /bin/busybox)
    ln -sfn "$rel" "$root/$path"
  done < "$root/.applets.tmp"
  mv "$root/.applets.tmp" "$root/.applets"
  log "linked $(wc -l < "$root/.applets") busybox applets into build/root"
fi
[ -e "$root/etc/passwd" ] || printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
[ -e "$root/etc/group" ] || printf 'root:x:0:\n' > "$root/etc/group"
if [ -d "$build/guest" ]; then
  for f in "$build"/guest/*; do
    [ -f "$f" ] && [ -x "$f" ] || continue
    cmp -s "$f" "$root/t/$(basename "$f")" || install -m 0755 "$f" "$root/t/"
  done
fi
log "ready: build/root ($(ls "$root/t" | wc -l) test programs)"

# --- 4. the default root: build/initramfs.cpio ------------------------------
# Rebuilt when it is missing or older than busybox or anything it is made from.
initramfs="$build/initramfs.cpio"
if [ ! -s "$initramfs" ] || [ "$bb" -nt "$initramfs" ] || [ "$here/scripts/build-initramfs.sh" -nt "$initramfs" ] \
   || [ -n "$(find "$here/scripts/initramfs" -newer "$initramfs" -print -quit)" ]; then
  bash "$here/scripts/build-initramfs.sh" "$initramfs"
fi
log "ready: build/initramfs.cpio"
