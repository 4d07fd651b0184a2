// python3 startup (`python3 -c pass`) from the Debian root (build/debian, made by
// scripts/fetch-debian.sh) under tuml and under qemu-riscv64-static -L build/debian,
// one run each (after one warm-up run of each, for the host's file cache), and the ratio.
//   node bench/python.mjs
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO, TUML, QEMU } from './lib/peers.mjs';

const DEBIAN = path.join(REPO, 'build', 'debian');
if (!fs.existsSync(path.join(DEBIAN, '.tuml-ready'))) {
  console.log('python startup: skipped (build/debian is missing: sudo bash scripts/fetch-debian.sh)');
  process.exit(0);
}
function time(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { HOME: '/', TERM: 'linux' } });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: status ${r.status}\n${r.stderr}`);
  return s;
}
const tumlRun = () => time(process.execPath, [TUML, 'quiet', 'mem=256M', 'rootfstype=hostfs', `hostfs=${DEBIAN}`, '--', '/usr/bin/python3', '-c', 'pass']);
const qemuRun = () => time(QEMU, ['-L', DEBIAN, path.join(DEBIAN, 'usr', 'bin', 'python3'), '-c', 'pass']);
tumlRun(); qemuRun();
const t = tumlRun(), q = qemuRun();
console.log(`python3 -c pass: tuml ${t.toFixed(2)} s, qemu-riscv64-static ${q.toFixed(3)} s, ratio tuml/qemu ${(t / q).toFixed(1)}`);
