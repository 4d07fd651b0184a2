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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, table, timed } from './lib/run.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUSYBOX = path.join(REPO, 'build', 'root', 'bin', 'busybox');
const TUML = path.join(REPO, 'bin', 'tuml');
const MB = Number(process.env.TUML_BENCH_MB || 64);
const RUNS = Number(process.env.TUML_BENCH_RUNS || 3);

if (!fs.existsSync(BUSYBOX)) {
  console.error('bench/cpu: build/root/bin/busybox is missing; run: bash scripts/fetch-guest.sh');
  process.exit(1);
}

// A scratch root: bin/busybox and the input file, data/input.bin.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-bench-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
fs.mkdirSync(path.join(root, 'bin'));
fs.mkdirSync(path.join(root, 'data'));
fs.copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'));
fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
{
  const chunk = Buffer.alloc(1 << 20);
  let x = 0x12345678;
  const fd = fs.openSync(path.join(root, 'data', 'input.bin'), 'w');
  for (let m = 0; m < MB; m++) {
    for (let i = 0; i < chunk.length; i += 4) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; chunk.writeInt32LE(x | 0, i); }
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}
const FILE = 'data/input.bin';

function measure(label, run) {
  const times = [], outs = [];
  let instret;
  for (let i = 0; i < RUNS; i++) {
    const r = run();
    if (r.error || r.status !== 0) {
      return { label, error: `${r.error?.message ?? `status ${r.status}${r.signal ? ' ' + r.signal : ''}`}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
    }
    times.push(r.ms);
    outs.push(r.stdout.split(' ')[0]);
    const m = /^tuml: instret=(\d+)$/m.exec(r.stderr);
    if (m) instret = Number(m[1]);
  }
  return { label, ms: median(times), digest: outs[0], instret };
}

console.log(`sha256sum of ${MB} MiB, median of ${RUNS} run(s)\n`);
const qemu = measure('qemu-riscv64-static', () => timed('qemu-riscv64-static', [path.join(root, 'bin', 'busybox'), 'sha256sum', FILE], { cwd: root }));
const tuml = measure('tuml', () => timed(process.execPath, [TUML, 'quiet', 'stats', 'rootfstype=hostfs', `hostfs=${root}`, '--', '/bin/busybox', 'sha256sum', FILE], { cwd: REPO }));

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
