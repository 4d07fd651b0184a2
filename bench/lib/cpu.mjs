// The CPU rows: the same riscv64 work under tuml and under qemu-riscv64-static,
// median of N runs each. Used by bench/cpu.mjs and bench/run.mjs.
//
//   coremark   bench/guest/coremark.c (static, -O2; build/bench/coremark from
//              scripts/fetch-peers.sh), a CoreMark-style integer mix
//   sha256sum  busybox sha256sum of MB MiB of xorshift noise
//   gzip       busybox gzip -c of MB MiB of generated text, output counted by wc -c
//   python3    python3 -c '<a 10^6-iteration while loop>' on the Debian root
//              (build/debian from scripts/fetch-debian.sh; qemu: -L build/debian)
//
// tuml's time includes its boot (~0.1-0.3 s); with the kernel option `stats` tuml prints
// `tuml: instret=N` on stderr, which gives its guest instructions per second.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, timed } from './run.mjs';
import { BENCH_BIN, REPO, TUML, TUML_NODE_FLAGS, GUEST_BUSYBOX, QEMU } from './peers.mjs';

export const DEBIAN = path.join(REPO, 'build', 'debian');

/** xorshift32 noise, or words of a small generated vocabulary (compressible, like text). */
function fill(file, mb, text) {
  const chunk = Buffer.alloc(1 << 20);
  let x = 0x12345678;
  const next = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0; };
  const words = [];
  for (let i = 0; i < 4096; i++) {
    let w = '';
    for (let k = 3 + (next() % 8); k > 0; k--) w += String.fromCharCode(97 + (next() % 26));
    words.push(w);
  }
  const fd = fs.openSync(file, 'w');
  for (let m = 0; m < mb; m++) {
    if (!text) for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE(next(), i);
    else {
      let o = 0;
      while (o < chunk.length) {
        // Zipf-like: small indices much more often.
        const r = next();
        const w = words[(r % 64) * ((r >>> 8) % 64) % 4096];
        o += chunk.write((r >>> 28) === 0 ? w + '.\n' : w + ' ', o, 'latin1');
      }
    }
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}

/**
 * A scratch hostfs root in the temporary directory: bin/busybox and bin/coremark
 * (riscv64) and data/noise.bin, data/text.txt of MB MiB each. Removed at process exit.
 */
export function makeCpuRoot(mb) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-bench-cpu-'));
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'bin'));
  fs.mkdirSync(path.join(root, 'data'));
  for (const [src, name] of [[GUEST_BUSYBOX, 'busybox'], [path.join(BENCH_BIN, 'coremark'), 'coremark']]) {
    if (!fs.existsSync(src)) continue;
    fs.copyFileSync(src, path.join(root, 'bin', name));
    fs.chmodSync(path.join(root, 'bin', name), 0o755);
  }
  fill(path.join(root, 'data', 'noise.bin'), mb, false);
  fill(path.join(root, 'data', 'text.txt'), mb, true);
  return root;
}

const PY_LOOP = (n) => `i = 0\ns = 0\nwhile i < ${n}:\n    s += i * 3 % 7\n    i += 1\nprint(s)`;

/**
 * The CPU workloads over a root from makeCpuRoot: { key, work, missing, tuml(), qemu(),
 * out(stdout) } where tuml() and qemu() are timed() runs and out() is the part of the
 * output both must agree on.
 */
export function cpuWorkloads(root, { mb, coremarkIters, pyIters, extra: kargs = [] }) {
  const tumlArgs = (hostfs, argv, extra = []) => [...TUML_NODE_FLAGS, TUML, 'quiet', 'stats', ...kargs, ...extra,
    'rootfstype=hostfs', `hostfs=${hostfs}`, '--', ...argv];
  const tuml = (argv, hostfs = root, extra) => () => timed(process.execPath, tumlArgs(hostfs, argv, extra), { cwd: REPO });
  const qemu = (argv, opts = {}) => () => timed(QEMU, argv, { cwd: root, ...opts });
  const bb = path.join(root, 'bin', 'busybox');
  const gz = 'busybox gzip -c data/text.txt | busybox wc -c';
  const pyEnv = { HOME: '/', TERM: 'linux', PATH: '/usr/bin:/bin' };
  const noPy = !fs.existsSync(path.join(DEBIAN, 'usr', 'bin', 'python3')) ? 'run sudo bash scripts/fetch-debian.sh' : '';
  return [
    {
      key: 'coremark', work: `CoreMark-style (bench/guest/coremark.c -O2), ${coremarkIters} iterations`,
      missing: fs.existsSync(path.join(root, 'bin', 'coremark')) ? '' : 'run scripts/fetch-peers.sh (builds build/bench/coremark)',
      tuml: tuml(['/bin/coremark', String(coremarkIters)]),
      qemu: qemu([path.join(root, 'bin', 'coremark'), String(coremarkIters)]),
      out: (s) => s.trim(),
    },
    {
      key: 'sha256sum', work: `busybox sha256sum of ${mb} MiB`, missing: '',
      tuml: tuml(['/bin/busybox', 'sha256sum', 'data/noise.bin']),
      qemu: qemu([bb, 'sha256sum', 'data/noise.bin']),
      out: (s) => s.split(' ')[0],
    },
    {
      key: 'gzip', work: `busybox gzip -c of ${mb} MiB of text`, missing: '',
      tuml: tuml(['/bin/busybox', 'sh', '-c', gz]),
      qemu: qemu([bb, 'sh', '-c', gz.replace(/busybox/g, bb)]),
      out: (s) => s.trim(),
    },
    {
      key: 'python3', work: `python3 -c: a ${pyIters.toLocaleString('en')}-iteration while loop (Debian root)`, missing: noPy,
      tuml: tuml(['/usr/bin/python3', '-c', PY_LOOP(pyIters)], DEBIAN, ['mem=256M']),
      qemu: qemu(['-L', DEBIAN, path.join(DEBIAN, 'usr', 'bin', 'python3'), '-c', PY_LOOP(pyIters)], { env: pyEnv }),
      out: (s) => s.trim(),
    },
  ];
}

/**
 * `runs` timed runs of run() (a timed() result) -> { ms (median), times, out, instret } or
 * { error }, one run per step: a sampler for interleave (tuml's and qemu's runs alternate).
 */
export function* measuring(runs, run, out, progress) {
  const times = [];
  let instret, first;
  for (let i = 0; i < runs; i++) {
    progress?.(i + 1, runs);
    const r = run();
    if (r.error || r.status !== 0) {
      return { error: `${r.error?.message ?? `status ${r.status}${r.signal ? ' ' + r.signal : ''}`}: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? ''}` };
    }
    times.push(r.ms);
    first ??= out(r.stdout);
    const m = /^tuml: instret=(\d+)$/m.exec(r.stderr);
    if (m) instret = Number(m[1]);
    yield;
  }
  return { ms: median(times), times, out: first, instret };
}
