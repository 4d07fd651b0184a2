// CPU benchmark: the cpu rows of `npm run bench` alone (bench/lib/cpu.mjs): a
// CoreMark-style program, busybox sha256sum and gzip, and a python3 loop, each
// under qemu-riscv64-static and under tuml, median of N runs, and the ratio.
//
//   npm run bench:cpu                        64 MiB files, 10^6 python iterations, 3 runs
//   BENCH_QUICK=1 npm run bench:cpu          8 MiB, 10^5 iterations
//   BENCH_RUNS=5 BENCH_CPU_ONLY=sha256sum,gzip npm run bench:cpu
//   TUML_BENCH_ARGS=jit=off npm run bench:cpu   (extra kernel options for tuml)
//
// Needs build/root (scripts/fetch-guest.sh), build/bench/coremark (scripts/fetch-peers.sh),
// build/debian for the python row (scripts/fetch-debian.sh) and a built tuml.
import fs from 'node:fs';
import { table } from './lib/run.mjs';
import { GUEST_BUSYBOX } from './lib/peers.mjs';
import { cpuRows } from './lib/cpu_rows.mjs';

if (!fs.existsSync(GUEST_BUSYBOX)) {
  console.error('bench/cpu: build/root/bin/busybox is missing; run: bash scripts/fetch-guest.sh');
  process.exit(1);
}
const quick = !!process.env.BENCH_QUICK && process.env.BENCH_QUICK !== '0';
const runs = Number(process.env.BENCH_RUNS || 3);
const rows = cpuRows({ runs, quick, only: process.env.BENCH_CPU_ONLY, progress: (m) => process.stderr.write(`bench: ${m}\n`) });
console.log(`median of ${runs} run(s)${quick ? ' (BENCH_QUICK)' : ''}\n`);
const out = [['work', 'tuml', 'qemu', 'tuml/qemu', 'target', 'met?', 'tuml guest MIPS']];
const s = (m) => m.ms === undefined ? (m.na ? `n/a (${m.na})` : `failed (${m.error})`) : `${(m.ms / 1000).toFixed(2)} s`;
for (const r of rows) {
  const ratio = r.t.ms && r.q.ms ? r.t.ms / r.q.ms : undefined;
  out.push([r.work, s(r.t), s(r.q), ratio ? ratio.toFixed(2) : '—', '≤ 2.5', ratio ? (ratio <= 2.5 ? 'yes' : 'NO') : 'n/a',
    r.t.instret && r.t.ms ? (r.t.instret / r.t.ms / 1000).toFixed(0) : '—']);
}
table(out);
if (rows.some((r) => r.t.error?.startsWith('wrong output'))) process.exitCode = 1;
