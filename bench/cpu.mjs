// CPU benchmark: `busybox sha256sum FILE` under qemu-riscv64-static and under
// tuml, median of N runs each, side by side.
//
//   npm run bench:cpu                   64 MiB file, 3 runs
//   TUML_BENCH_MB=8 TUML_BENCH_RUNS=5 npm run bench:cpu
//
// Needs build/root (bash scripts/fetch-guest.sh) and a built tuml (npm run build).
// Guest instructions per second: tuml prints its retired instruction count on
// stderr when given the kernel option `stats`, as a line `tuml: instret=N`.
// This benchmark depends on that line; without it the column shows n/a.
// The same measurement is the cpu row of `npm run bench` (bench/run.mjs).
import fs from 'node:fs';
import { table } from './lib/run.mjs';
import { GUEST_BUSYBOX } from './lib/peers.mjs';
import { makeCpuRoot, measureSha, shaQemu, shaTuml } from './lib/cpu.mjs';

const MB = Number(process.env.TUML_BENCH_MB || 64);
const RUNS = Number(process.env.TUML_BENCH_RUNS || 3);

if (!fs.existsSync(GUEST_BUSYBOX)) {
  console.error('bench/cpu: build/root/bin/busybox is missing; run: bash scripts/fetch-guest.sh');
  process.exit(1);
}

const { root, file } = makeCpuRoot(MB);

console.log(`sha256sum of ${MB} MiB, median of ${RUNS} run(s)\n`);
const qemu = measureSha('qemu-riscv64-static', RUNS, shaQemu(root, file));
const tuml = measureSha('tuml', RUNS, shaTuml(root, file));

const rows = [['runner', 'time (s)', 'tuml/qemu', 'guest insn/s', 'digest']];
for (const r of [qemu, tuml]) {
  if (r.error) { rows.push([r.label, 'failed', '', '', r.error.slice(0, 60)]); continue; }
  const ratio = r === tuml && !qemu.error ? (tuml.ms / qemu.ms).toFixed(2) : r === qemu ? '1.00' : 'n/a';
  const ips = r.instret ? `${(r.instret / (r.ms / 1000) / 1e6).toFixed(1)} M` : 'n/a';
  rows.push([r.label, (r.ms / 1000).toFixed(3), ratio, ips, r.digest.slice(0, 16) + '…']);
}
table(rows);
if (!qemu.error && !tuml.error && qemu.digest !== tuml.digest) {
  console.error('\nbench/cpu: the digests differ: tuml computed a wrong result');
  process.exitCode = 1;
}
