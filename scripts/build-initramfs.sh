#!/usr/bin/env bash
# Build tuml's default root, build/initramfs.cpio (cpio newc), from
# Debian's busybox-static for riscv64 (fetched by scripts/fetch-guest.sh into
# build/busybox) and the files of scripts/initramfs/ (init, etc/...).
#
#   build/initramfs/           the tree that goes into the image
#   build/initramfs.cpio       the image; every file owned by root (0:0). Not compressed:
#                              tuml reads its files from it as the guest needs them
#
# The busybox applet links (/bin, /sbin, /usr/bin, /usr/sbin) are what
# `busybox --list-full` says, run on the oracle CPU (qemu-riscv64-static).
# Device nodes are not in the image (unprivileged builds cannot make them):
# /init mounts devtmpfs on /dev. Timestamps are fixed (SOURCE_DATE_EPOCH,
# default: the newest commit), so the same inputs give the same bytes.
#
# Usage: scripts/build-initramfs.sh [OUTPUT]   (default build/initramfs.cpio; an OUTPUT
# ending in .gz is gzipped)
set -euo pipefail
umask 022
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
src="$here/scripts/initramfs"
tree="$build/initramfs"
out=${1:-"$build/initramfs.cpio"}
bb_dir="$build/busybox"

log() { printf 'build-initramfs: %s\n' "$*" >&2; }
die() { printf 'build-initramfs: error: %s\n' "$*" >&2; exit 1; }

bb=""
for p in usr/bin/busybox bin/busybox; do [ -x "$bb_dir/$p" ] && { bb="$bb_dir/$p"; break; }; done
[ -n "$bb" ] || die "no busybox in build/busybox (run: bash scripts/fetch-guest.sh)"
command -v cpio >/dev/null || die "cpio not found (apt-get install cpio)"
[ "${out%.gz}" = "$out" ] || command -v gzip >/dev/null || die "gzip not found"

# The applet list, from busybox itself (kept in build/busybox.applets until busybox changes).
applets="$build/busybox.applets"
if [ ! -s "$applets" ] || [ "$bb" -nt "$applets" ]; then
  command -v qemu-riscv64-static >/dev/null \
    || die "qemu-riscv64-static is needed to list busybox applets (apt-get install qemu-user-static)"
  qemu-riscv64-static "$bb" --list-full > "$applets.tmp"
  mv "$applets.tmp" "$applets"
fi

epoch=${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct -- scripts/initramfs scripts/build-initramfs.sh 2>/dev/null || true)}
epoch=${epoch:-0}

rm -rf "$tree.tmp"
mkdir -p "$tree.tmp"
cd "$tree.tmp"
mkdir -p bin sbin usr/bin usr/sbin dev proc sys tmp root etc mnt run var/log var/tmp home
ln -s ../run var/run
chmod 1777 tmp var/tmp
chmod 0700 root
install -m 0755 "$bb" bin/busybox
n=0
while IFS= read -r path; do
  [ -n "$path" ] || continue
  [ "$path" = bin/busybox ] && continue
  dir=$(dirname "$path")
  mkdir -p "$dir"
  # relative links keep the tree valid wherever it is unpacked
  ln -sfn "$(realpath -m -s --relative-to="/$dir" /bin/busybox)" "$path"
  n=$((n + 1))
done < "$applets"
# scripts/initramfs/: init, etc/... (copied with their modes)
(cd "$src" && find . -mindepth 1 -print0 | cpio -0 -pdm --quiet "$tree.tmp")
chmod 0755 init
[ -f etc/shadow ] && chmod 0600 etc/shadow
find . -exec touch -h -d "@$epoch" {} +

cd "$build"
rm -rf "$tree" && mv "$tree.tmp" "$tree"
# newc, root-owned, inode numbers renumbered; sorted for a stable order
(cd "$tree" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) \
  | if [ "${out%.gz}" != "$out" ]; then gzip -9 -n; else cat; fi > "$out.tmp"
mv "$out.tmp" "$out"
log "built ${out#"$here/"} ($n applet links, $(du -k "$out" | cut -f1) KiB)"
