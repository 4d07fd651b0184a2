// `npm run bench`: tuml against its peers on the same work, in one run, as one
// table of medians and tuml/peer ratios.
//
//   peers   real UML (/usr/bin/linux, x86-64 busybox hostfs root), native (the same
//           busybox on the host), qemu-riscv64-static (the same riscv64 binaries
//           on the host kernel). Fetch them with: bash scripts/fetch-peers.sh
//   rows    fork+exec (a C loop and a shell loop), boot, memory, syscalls (getpid,
//           pipe), cpu (CoreMark-style, sha256sum, gzip, python3; bench/lib/cpu.mjs),
//           storage (sequential write+fsync and read through ext2 on ubd;
//           bench/lib/storage.mjs)
//
// Environment:
//   BENCH_RUNS=N        runs per measurement (default 5; 3 with BENCH_QUICK)
//   BENCH_QUICK=1       fewer runs and iterations (about a minute)
//   BENCH_ONLY=a,b      only these rows: fork, boot, memory, syscalls, cpu, storage, net
//   BENCH_NET_MB=N      MiB per TCP transfer in the net rows (default 16; 4 with BENCH_QUICK)
//   BENCH_FORK_N=N      shell-loop iterations (default 1000; 200 with BENCH_QUICK),
//                       reported per 1,000
//   BENCH_FORKEXEC_N=N  fork+exec+wait iterations of bench/guest/forkexec.c (default 300;
//                       UML runs the same number)
//   BENCH_SYSCALL_N=N   syscall iterations under tuml and qemu (default 200000;
//                       UML, at ~100 µs a call, runs a tenth of that)
//   BENCH_CPU_MB=N      sha256sum/gzip input size in MiB (default 64; 8 with BENCH_QUICK)
//   BENCH_COREMARK_N, BENCH_PY_N   CoreMark-style iterations (10000), python loop (10^6)
//   BENCH_STORAGE_MB=N  storage rows' file size in MiB (default 256; 64 with BENCH_QUICK)
// See docs/benchmarks.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { failure, given, interleave, median, sampleMemory, table } from './lib/run.mjs';
import {
  BENCH_BIN, GUEST_BUSYBOX, GUEST_ROOT, PEER_ROOT, QEMU, REPO, TUML, TUML_NODE_FLAGS, UML,
  missing, runNative, runTuml, runUml, umlArgs, umlScript,
} from './lib/peers.mjs';
import { cpuRows as measureCpuRows } from './lib/cpu_rows.mjs';
import { timed } from './lib/run.mjs';
import { netRows } from './lib/net.mjs';
import { storageRows } from './lib/storage.mjs';

const flag = (v) => !!v && v !== '0' && v !== 'false';
const QUICK = flag(process.env.BENCH_QUICK);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS || (QUICK ? 3 : 5)));
const FORK_N = Number(process.env.BENCH_FORK_N || (QUICK ? 200 : 1000));
const FORKEXEC_N = Number(process.env.BENCH_FORKEXEC_N || (QUICK ? 100 : 300));
const SYS_N = Number(process.env.BENCH_SYSCALL_N || (QUICK ? 50000 : 200000));
const SYS_N_UML = Math.max(1000, Math.round(SYS_N / 10));
const MEM_RUNS = Math.min(RUNS, 3);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : null;
const want = (row) => !ONLY || ONLY.has(row);

const why = missing();
const progress = (msg) => process.stderr.write(`bench: ${msg}\n`);

// ---- results ------------------------------------------------------------------
// A measurement is { v: number } (ms, or KiB for memory), { na: reason }, or { fail: reason }.
const rows = [];
/**
 * work: what is measured; peer: whom against; t, p: measurements; unit: 'time'|'mem'|'mips';
 * target: { text, met(t, p) -> boolean } or undefined (for information).
 */
function row(work, peer, t, p, unit, target) { rows.push({ work, peer, t, p, unit, target }); }

function fmt(m, unit) {
  if (m.na !== undefined) return `n/a (reason: ${m.na})`;
  if (m.fail !== undefined) return `failed (${m.fail})`;
  const v = m.v;
  if (unit === 'mem') return `${(v / 1024).toFixed(1)} MB`;
  if (unit === 'mips') return `${v.toFixed(1)} MIPS`;
  if (unit === 'rate') return `${v.toFixed(2)} MB/s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 1) return `${v.toFixed(2)} ms`;
  if (v >= 1e-3) return `${(v * 1e3).toFixed(1)} µs`;
  return `${(v * 1e6).toFixed(0)} ns`;
}

function ratio(t, p) {
  if (t.v === undefined || p.v === undefined || !p.v) return '—';
  const r = t.v / p.v;
  return r < 0.1 ? r.toFixed(3) : r.toFixed(2);
}

function met(r) {
  if (!r.target) return '—';
  if (r.t.v === undefined) return 'n/a';
  const ok = r.target.met(r.t.v, r.p.v);
  return ok === undefined ? 'n/a' : ok ? 'yes' : 'NO';
}

// Runs that failed and were retried, printed under the table.
const notes = [];
const RETRIES = 2;

/**
 * RUNS samples of fn() (a number; throws on failure) -> measurement, one run per step
 * (see interleave: tuml's and its peer's runs alternate). A failed run is retried up to
 * RETRIES times (real UML, rarely, dies with SIGABRT at boot on this machine) and
 * noted; a run that keeps failing fails the measurement.
 */
function* sampler(label, runs, fn) {
  const xs = [];
  for (let i = 0; i < runs; i++) {
    progress(`${label} ${i + 1}/${runs}`);
    for (let attempt = 0; ; attempt++) {
      let x;
      try { x = fn(); } catch (e) { x = e; }
      if (typeof x === 'number' && Number.isFinite(x)) { xs.push(x); break; }
      const msg = String(x?.message ?? x).slice(0, 90);
      if (attempt >= RETRIES) return { fail: msg };
      notes.push(`${label}: run ${i + 1} failed (${msg}); retried`);
      progress(`${label} ${i + 1}/${runs} failed (${msg}); retrying`);
    }
    yield;
  }
  return { v: median(xs), xs };
}
/** sampler's runs one after another (rows that compare with no peer run alongside). */
function sample(label, runs, fn) { return interleave(sampler(label, runs, fn))[0]; }

/** ms of a timed() run that must succeed and print `marker` on stdout. */
function ok(r, marker) {
  const f = failure(r);
  if (f) throw new Error(f);
  if (marker && !r.stdout.includes(marker)) throw new Error(`no "${marker}" in output: ${(r.stdout + r.stderr).trim().slice(-80)}`);
  return r.ms;
}

// ---- fork+exec ----------------------------------------------------------------
// The target for both rows: at least 20 times faster than UML.
const TWENTY = { text: '≥20× faster (ratio ≤ 0.05)', met: (t, p) => p === undefined ? undefined : t / p <= 0.05 };

/** A scratch hostfs root with a static busybox as /bin/true and /bin/sh, and bench programs. */
function scratchRoot(progs) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-bench-'));
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'bin'));
  fs.mkdirSync(path.join(root, 'bench'));
  fs.copyFileSync(GUEST_BUSYBOX, path.join(root, 'bin', 'busybox'));
  fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
  for (const a of ['true', 'sh']) fs.symlinkSync('busybox', path.join(root, 'bin', a));
  for (const p of progs) {
    fs.copyFileSync(path.join(BENCH_BIN, p), path.join(root, 'bench', p));
    fs.chmodSync(path.join(root, 'bench', p), 0o755);
  }
  return root;
}

// bench/guest/forkexec.c: fork, execve("/bin/true") (static busybox), waitpid, timed in
// the guest; prints ns per iteration.
function forkExecRow() {
  const prog = 'forkexec';
  const parse = (r) => {
    ok(r, 'forkexec_ns=');
    const m = /forkexec_ns=([\d.]+)/.exec(r.stdout);
    if (!m) throw new Error(`unexpected output: ${r.stdout.trim().slice(0, 60)}`);
    return Number(m[1]) / 1e6;   // ms
  };
  const gmiss = why.tuml || why.guestProg(prog);
  const root = gmiss ? null : scratchRoot([prog]);
  const hmiss = why.uml || why.hostProg(prog);
  const [tuml, uml] = interleave(
    gmiss ? given({ na: gmiss }) : sampler('fork+exec (C) tuml', RUNS, () => parse(runTuml(root, [`/bench/${prog}`, String(FORKEXEC_N)]))),
    hmiss ? given({ na: hmiss }) : sampler('fork+exec (C) UML', RUNS, () => parse(runUml(prog, `/bin/bench-${prog} ${FORKEXEC_N}`, { timeout: 300000 }))));
  row(`fork+exec+wait of static /bin/true (C loop, ${FORKEXEC_N}×)`, 'UML', tuml, uml, 'time', TWENTY);
}

// A busybox shell loop of FORK_N /bin/true, run with N = 0 and N = FORK_N; the
// difference (boot, shell start and power-off cancel out) is reported per 1,000.
function forkRow() {
  const loop = (n, tru) => `for i in $(seq ${n}); do ${tru}; done; echo fork-done`;
  const per1000 = (run) => () => {
    const t0 = ok(run(0), 'fork-done');
    const t1 = ok(run(FORK_N), 'fork-done');
    return (t1 - t0) * 1000 / FORK_N;
  };
  const [tuml, uml, native] = interleave(
    why.tuml ? given({ na: why.tuml })
      : sampler('shell loop tuml', RUNS, per1000((n) => runTuml(GUEST_ROOT, ['/bin/sh', '-c', loop(n, '/bin/true')]))),
    why.uml ? given({ na: why.uml })
      : sampler('shell loop UML', RUNS, per1000((n) => runUml(`fork${n}`, loop(n, '/bin/true'), { timeout: 600000 }))),
    why.native ? given({ na: why.native })
      : sampler('shell loop native', RUNS, per1000((n) => runNative(loop(n, path.join(PEER_ROOT, 'bin', 'true'))))));
  const what = FORK_N === 1000 ? 'shell loop of 1,000 /bin/true' : `shell loop of /bin/true (${FORK_N}×, per 1,000)`;
  row(what, 'UML', tuml, uml, 'time', TWENTY);
  row('', 'native', tuml, native, 'time');
}

// ---- boot -----------------------------------------------------------------------
// Boot to init, which powers off at once (busybox poweroff -f: reboot(RB_POWER_OFF)).
function bootRow() {
  const [tuml, uml] = interleave(
    why.tuml ? given({ na: why.tuml })
      : sampler('boot tuml', RUNS, () => ok(runTuml(GUEST_ROOT, ['/bin/busybox', 'poweroff', '-f'], { timeout: 60000 }))),
    why.uml ? given({ na: why.uml })
      : sampler('boot UML', RUNS, () => ok(timed(UML, [...umlArgs('/bin/busybox'), '--', 'poweroff', '-f'], { cwd: REPO, timeout: 60000 }))));
  row('boot to init + poweroff -f', 'UML', tuml, uml, 'time',
    { text: '≤ ¼ of UML (ratio ≤ 0.25)', met: (t, p) => p === undefined ? undefined : t / p <= 0.25 });
}

// ---- memory ---------------------------------------------------------------------
// Host peak RSS (VmHWM) of an idle boot: the process is sampled once its shell is
// up and it has settled for a second.
async function memoryRows() {
  const memSample = async (label, fn) => {
    const xs = [];
    for (let i = 0; i < MEM_RUNS; i++) {
      progress(`${label} ${i + 1}/${MEM_RUNS}`);
      const r = await fn();
      if (r.error) return { fail: `${r.error.message}: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? ''}`.slice(0, 90) };
      xs.push(r.mem.hwm);
    }
    return { v: median(xs), xs };
  };
  let what = 'idle default boot (busybox shell)';
  let tuml = { na: why.tuml };
  if (!why.tuml) {
    // The default boot: no arguments, the initramfs, a busybox shell on the console.
    tuml = await memSample('memory tuml', () => sampleMemory(process.execPath, [...TUML_NODE_FLAGS, TUML], {
      cwd: REPO, ready: /root@tuml|[#$] $/, settleMs: 1000, finish: 'poweroff -f\n', timeoutMs: 30000,
    }));
    if (tuml.fail) {
      progress(`memory: the default boot failed (${tuml.fail}); falling back to a hostfs boot running sleep`);
      what = 'idle boot (hostfs, sleep)';
      tuml = await memSample('memory tuml (hostfs)', () => sampleMemory(process.execPath,
        [...TUML_NODE_FLAGS, TUML, 'quiet', 'rootfstype=hostfs', `hostfs=${GUEST_ROOT}`, '--', '/bin/sh', '-c', 'sleep 5'], {
          cwd: REPO, readyAfterMs: 1000, settleMs: 1000, timeoutMs: 30000,
        }));
    }
  }
  const uml = why.uml ? { na: why.uml } : await memSample('memory UML', () => sampleMemory(UML,
    umlArgs(umlScript('idle', 'echo mem-ready\nsleep 2')), {
      cwd: REPO, ready: /mem-ready/, settleMs: 1000, timeoutMs: 30000,
    }));
  row(`host peak RSS, ${what} (mem=64M)`, 'UML', tuml, uml, 'mem',
    { text: '≤ 1.5× UML (ratio ≤ 1.5)', met: (t, p) => p === undefined ? undefined : t / p <= 1.5 });
}

// ---- syscalls -------------------------------------------------------------------
// bench/guest/syscalls.c times itself with clock_gettime and prints ns/op.
function syscallRows() {
  const prog = 'syscalls';
  const parse = (r, marker) => {
    ok(r, marker);
    const g = /getpid_ns=([\d.]+)/.exec(r.stdout), p = /pipe_ns=([\d.]+)/.exec(r.stdout);
    if (!g || !p) throw new Error(`unexpected output: ${r.stdout.trim().slice(0, 60)}`);
    return { getpid: Number(g[1]) / 1e6, pipe: Number(p[1]) / 1e6 };   // ms
  };
  // Each run gives both numbers; keep them together and take medians per metric (a
  // sampler: tuml's, qemu's and UML's runs alternate, see interleave).
  function* both(label, runs, fn) {
    const res = [];
    const m = yield* sampler(label, runs, () => { const x = fn(); res.push(x); return x.getpid; });
    if (m.fail) return { getpid: m, pipe: m };
    return { getpid: m, pipe: { v: median(res.map((x) => x.pipe)) } };
  }
  const na = (reason) => given({ getpid: { na: reason }, pipe: { na: reason } });

  let tumlRuns;
  const gmiss = why.guestProg(prog);
  if (why.tuml || gmiss) tumlRuns = na(why.tuml || gmiss);
  else {
    // A scratch hostfs root holding only the static program.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-bench-sys-'));
    process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
    fs.mkdirSync(path.join(root, 'bench'));
    fs.copyFileSync(path.join(BENCH_BIN, prog), path.join(root, 'bench', prog));
    fs.chmodSync(path.join(root, 'bench', prog), 0o755);
    tumlRuns = both('syscalls tuml', RUNS, () => parse(runTuml(root, [`/bench/${prog}`, String(SYS_N)]), 'pipe_ns='));
  }
  const hmiss = why.uml || why.hostProg(prog);
  const [tuml, qemu, uml] = interleave(tumlRuns,
    why.qemu || gmiss ? na(why.qemu || gmiss)
      : both('syscalls qemu', RUNS, () => parse(timed(QEMU, [path.join(BENCH_BIN, prog), String(SYS_N)]), 'pipe_ns=')),
    hmiss ? na(hmiss)
      : both('syscalls UML', RUNS, () => parse(runUml('syscalls', `/bin/bench-${prog} ${SYS_N_UML}`, { timeout: 300000 }), 'pipe_ns=')));
  const faster = { text: 'faster (ratio < 1)', met: (t, p) => p === undefined ? undefined : t < p };
  row('getpid', 'qemu', tuml.getpid, qemu.getpid, 'time', faster);
  row('', 'UML', tuml.getpid, uml.getpid, 'time');
  row('1-byte pipe write+read', 'qemu', tuml.pipe, qemu.pipe, 'time', faster);
  row('', 'UML', tuml.pipe, uml.pipe, 'time');
}

// ---- cpu ------------------------------------------------------------------------
// bench/lib/cpu_rows.mjs: CoreMark-style, sha256sum, gzip, python3; tuml vs qemu.
function cpuRows() {
  const within = { text: 'within 2.5× (ratio ≤ 2.5)', met: (a, b) => b === undefined ? undefined : a / b <= 2.5 };
  const m = (x) => x.ms !== undefined ? { v: x.ms } : x.na !== undefined ? { na: x.na } : { fail: String(x.error).slice(0, 90) };
  for (const r of measureCpuRows({ runs: RUNS, quick: QUICK, progress })) {
    row(r.work, 'qemu', m(r.t), m(r.q), 'time', within);
    if (r.t.instret && r.t.ms) row('  tuml guest instructions per second', '—', { v: r.t.instret / (r.t.ms / 1000) / 1e6 }, { na: 'not measured' }, 'mips');
  }
}

// ---- main -----------------------------------------------------------------------
const t0 = Date.now();
if (want('fork')) { forkExecRow(); forkRow(); }
if (want('boot')) bootRow();
if (want('memory')) await memoryRows();
if (want('syscalls')) syscallRows();
if (want('cpu')) cpuRows();
if (want('storage')) storageRows({ row, sample, progress, why, runs: RUNS, quick: QUICK });
if (want('net')) await netRows({ row, progress, why, runs: RUNS, quick: QUICK, notes });

const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO }).stdout?.toString().trim() || '?';
const cpuModel = os.cpus()[0]?.model ?? '?';
console.log(`tuml ${git}, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${cpuModel}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
  `Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`median of ${RUNS} run(s)${QUICK ? ' (BENCH_QUICK)' : ''}; memory: median of ${MEM_RUNS}; ` +
  `syscalls: ${SYS_N} iterations (UML ${SYS_N_UML}); total ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
const out = [['work', 'peer', 'tuml', 'peer time', 'tuml/peer', 'target', 'met?']];
for (const r of rows) {
  const peerText = r.p.na === 'not measured' ? '—' : fmt(r.p, r.unit);
  out.push([r.work, r.peer, fmt(r.t, r.unit), peerText, r.unit === 'mips' ? '—' : ratio(r.t, r.p), r.target?.text ?? '—', met(r)]);
}
table(out);
if (notes.length) console.log('\n' + notes.map((n) => `note: ${n}`).join('\n'));
