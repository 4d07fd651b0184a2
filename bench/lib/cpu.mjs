// The CPU benchmark's pieces: `busybox sha256sum FILE` under qemu-riscv64-static
// and under tuml (kernel option `stats` makes tuml print `tuml: instret=N` on
// stderr, which gives guest instructions per second). Used by bench/cpu.mjs and
// bench/run.mjs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, timed } from './run.mjs';
import { REPO, TUML, TUML_NODE_FLAGS, GUEST_BUSYBOX } from './peers.mjs';

/**
 * A scratch hostfs root in the temporary directory: bin/busybox (riscv64) and
 * data/input.bin, MB MiB of xorshift noise. Removed at process exit.
 */
export function makeCpuRoot(mb) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-bench-'));
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'bin'));
  fs.mkdirSync(path.join(root, 'data'));
  fs.copyFileSync(GUEST_BUSYBOX, path.join(root, 'bin', 'busybox'));
  fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
  const chunk = Buffer.alloc(1 << 20);
  let x = 0x12345678;
  const fd = fs.openSync(path.join(root, 'data', 'input.bin'), 'w');
  for (let m = 0; m < mb; m++) {
    for (let i = 0; i < chunk.length; i += 4) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; chunk.writeInt32LE(x | 0, i); }
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
  return { root, file: 'data/input.bin' };
}

/** Run `run` RUNS times; { label, ms (median), digest, instret } or { label, error }. */
export function measureSha(label, runs, run) {
  const times = [], outs = [];
  let instret;
  for (let i = 0; i < runs; i++) {
    const r = run();
    if (r.error || r.status !== 0) {
      return { label, error: `${r.error?.message ?? `status ${r.status}${r.signal ? ' ' + r.signal : ''}`}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
    }
    times.push(r.ms);
    outs.push(r.stdout.split(' ')[0]);
    const m = /^tuml: instret=(\d+)$/m.exec(r.stderr);
    if (m) instret = Number(m[1]);
  }
  return { label, ms: median(times), times, digest: outs[0], instret };
}

export const shaQemu = (root, file) => () =>
  timed('qemu-riscv64-static', [path.join(root, 'bin', 'busybox'), 'sha256sum', file], { cwd: root });

export const shaTuml = (root, file) => () =>
  timed(process.execPath, [...TUML_NODE_FLAGS, TUML, 'quiet', 'stats', 'rootfstype=hostfs', `hostfs=${root}`, '--', '/bin/busybox', 'sha256sum', file], { cwd: REPO });
