// `node bench/checkpoint.mjs`: the cost of a checkpoint and of a restore, as medians of
// BENCH_RUNS (default 5) runs. A machine booted to the default busybox shell
// (time-travel=inf-cpu) is checkpointed through tuml-mconsole (against the client's own
// cost, a `version` request); then `restore=FILE` + poweroff is timed against a fresh
// boot + poweroff. See docs/channels-and-checkpoint.md.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TUML = path.join(REPO, 'bin', 'tuml'), MC = path.join(REPO, 'bin', 'tuml-mconsole');
const RUNS = Number(process.env.BENCH_RUNS || 5);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
const time = (fn) => { const t = performance.now(); fn(); return performance.now() - t; };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-bench-ckpt-'));
const file = path.join(dir, 'm.ckpt');
const umid = 'bench' + process.pid;
const child = spawn(TUML, ['time-travel=inf-cpu', `uml_dir=${dir}`, `umid=${umid}`, 'quiet'], { stdio: ['pipe', 'pipe', 'inherit'] });
let out = '';
child.stdout.on('data', (d) => { out += d; });
try {
  for (let i = 0; i < 1200 && !/# /.test(out); i++) await sleep(50);
  await sleep(500);
  const ck = [], ver = [];
  for (let i = 0; i < RUNS; i++) {
    ck.push(time(() => spawnSync(MC, [`uml_dir=${dir}`, umid, 'checkpoint', file])));
    ver.push(time(() => spawnSync(MC, [`uml_dir=${dir}`, umid, 'version'])));
  }
  child.kill();
  const rs = [], bs = [];
  for (let i = 0; i < RUNS; i++) {
    rs.push(time(() => spawnSync(TUML, [`restore=${file}`, 'quiet'], { input: 'poweroff -f\n' })));
    bs.push(time(() => spawnSync(TUML, ['time-travel=inf-cpu', 'quiet'], { input: 'poweroff -f\n' })));
  }
  console.log(`checkpoint file: ${fs.statSync(file).size} bytes`);
  console.log(`mconsole checkpoint: ${med(ck).toFixed(0)} ms (version: ${med(ver).toFixed(0)} ms; difference ${(med(ck) - med(ver)).toFixed(0)} ms)`);
  console.log(`restore + poweroff: ${med(rs).toFixed(0)} ms; boot + poweroff: ${med(bs).toFixed(0)} ms; ratio ${(med(rs) / med(bs)).toFixed(2)}`);
} finally {
  child.kill();
  fs.rmSync(dir, { recursive: true, force: true });
}
