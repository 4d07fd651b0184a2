#!/usr/bin/env bash
# Fetch the peers that `npm run bench` compares tuml against, and build their roots.
#
#   /usr/bin/linux        real UML: Debian's user-mode-linux package (installed with
#                         apt-get when missing; needs root)
#   build/peers/busybox/  Debian's busybox-static for the host architecture, unpacked
#                         with dpkg -x (apt-get download into this private folder: the
#                         host's installed packages are not changed)
#   build/peers/root/     a hostfs root for UML: bin/busybox + applet links, dev proc
#                         sys tmp, and bench programs
#   build/bench/          the riscv64 bench programs of bench/guest/ (static, -O2)
#
# qemu-riscv64-static (Debian's qemu-user-static) is the third peer; this script only
# checks for it. Idempotent: each step is skipped when its result is already there.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
peers="$here/build/peers"
bb_dir="$peers/busybox"
root="$peers/root"
bench_out="$here/build/bench"

log() { printf 'fetch-peers: %s\n' "$*" >&2; }
die() { printf 'fetch-peers: error: %s\n' "$*" >&2; exit 1; }

# --- 1. real UML ---------------------------------------------------------------
if ! [ -x /usr/bin/linux ]; then
  [ "$(id -u)" = 0 ] || die "user-mode-linux is not installed; as root: apt-get install -y user-mode-linux"
  log "installing user-mode-linux"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends user-mode-linux; then
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends user-mode-linux
  fi
fi

# --- 2. busybox-static for the host ---------------------------------------------
bb_bin() { for p in bin/busybox usr/bin/busybox; do [ -x "$bb_dir/$p" ] && { echo "$bb_dir/$p"; return 0; }; done; return 1; }
if ! bb_bin >/dev/null; then
  mkdir -p "$peers/debs" "$bb_dir"
  log "downloading busybox-static ($(dpkg --print-architecture))"
  # apt-get download writes into the current directory, as the _apt user when root
  chmod 0777 "$peers/debs"
  ( cd "$peers/debs" && { apt-get download busybox-static || { apt-get update && apt-get download busybox-static; }; } )
  deb=$(ls "$peers/debs"/busybox-static_*.deb | head -n1)
  dpkg -x "$deb" "$bb_dir"
  bb_bin >/dev/null || die "no busybox in $deb"
fi
bb=$(bb_bin)

# --- 3. the hostfs root for UML --------------------------------------------------
if ! [ -x "$root/bin/busybox" ] || ! cmp -s "$bb" "$root/bin/busybox"; then
  log "building $root"
  rm -rf "$root"
  mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,root,data}
  chmod 1777 "$root/tmp"
  cp "$bb" "$root/bin/busybox"
  chmod 0755 "$root/bin/busybox"
  for a in $("$bb" --list); do
    [ "$a" = busybox ] && continue
    ln -sf busybox "$root/bin/$a"
  done
  for a in init poweroff reboot halt; do ln -sf ../bin/busybox "$root/sbin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
fi

# --- 4. the bench programs -------------------------------------------------------
# riscv64 for tuml and qemu; the host architecture for UML and native.
if command -v riscv64-linux-gnu-gcc >/dev/null; then
  mkdir -p "$bench_out"
  for src in "$here"/bench/guest/*.c; do
    [ -e "$src" ] || continue
    out="$bench_out/$(basename "$src" .c)"
    if ! [ "$out" -nt "$src" ]; then
      log "building $out"
      riscv64-linux-gnu-gcc -static -O2 -o "$out" "$src"
    fi
  done
else
  log "warning: riscv64-linux-gnu-gcc missing: the syscall rows need it (apt-get install gcc-riscv64-linux-gnu libc6-dev-riscv64-cross)"
fi
if command -v gcc >/dev/null; then
  for src in "$here"/bench/guest/*.c; do
    [ -e "$src" ] || continue
    out="$root/bin/bench-$(basename "$src" .c)"
    if ! [ "$out" -nt "$src" ]; then gcc -static -O2 -o "$out" "$src" 2>/dev/null || log "warning: no host static libc: $out not built"; fi
  done
fi

command -v qemu-riscv64-static >/dev/null || log "warning: qemu-riscv64-static missing (apt-get install qemu-user-static)"
log "ready: UML /usr/bin/linux, root $root"
