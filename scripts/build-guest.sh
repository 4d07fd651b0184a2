#!/usr/bin/env bash
# Build every tests/guest/*.c into build/guest/<name> (static riscv64), only when
# the source (or tests/guest/common.h) is newer than the binary.
# Usage: scripts/build-guest.sh [name ...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/tests/guest"
out="$here/build/guest"
cc=${RISCV_CC:-riscv64-linux-gnu-gcc}
command -v "$cc" >/dev/null || { echo "build-guest: $cc not found (apt-get install gcc-riscv64-linux-gnu)" >&2; exit 1; }
mkdir -p "$out"
shopt -s nullglob
if [ $# -gt 0 ]; then srcs=(); for n in "$@"; do srcs+=("$src/$n.c"); done; else srcs=("$src"/*.c); fi
built=0
for c in ${srcs[@]+"${srcs[@]}"}; do
  name=$(basename "$c" .c)
  bin="$out/$name"
  if [ -x "$bin" ] && [ "$bin" -nt "$c" ] && [ "$bin" -nt "$src/common.h" ]; then continue; fi
  "$cc" -static -O2 -Wall -Wno-unused-result -Wno-infinite-recursion -o "$bin.tmp.$$" "$c" -lm -latomic
  mv "$bin.tmp.$$" "$bin"   # atomic, so a concurrent run never sees half a binary
  built=$((built + 1))
done
[ "$built" = 0 ] || echo "build-guest: built $built program(s) into build/guest" >&2
