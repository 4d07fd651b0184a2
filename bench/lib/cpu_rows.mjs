// Measures every CPU workload (bench/lib/cpu.mjs) under tuml and qemu: one entry per
// workload { key, work, t, q } with t and q = { ms, instret } | { na } | { error }.
// A tuml run whose output differs from qemu's is an error ('wrong output').
import { missing } from './peers.mjs';
import { cpuWorkloads, makeCpuRoot, measuring } from './cpu.mjs';
import { given, interleave } from './run.mjs';

export function cpuRows({ runs, quick, only, progress }) {
  const mb = Number(process.env.BENCH_CPU_MB || (quick ? 8 : 64));
  const coremarkIters = Number(process.env.BENCH_COREMARK_N || (quick ? 2000 : 10000));
  const pyIters = Number(process.env.BENCH_PY_N || (quick ? 100000 : 1000000));
  const want = only ? new Set(String(only).split(',')) : null;
  const why = missing();
  progress?.(`cpu: making ${mb} MiB inputs`);
  const root = makeCpuRoot(mb);
  const extra = (process.env.TUML_BENCH_ARGS || '').split(/\s+/).filter(Boolean);
  const rows = [];
  for (const w of cpuWorkloads(root, { mb, coremarkIters, pyIters, extra })) {
    if (want && !want.has(w.key)) continue;
    const skip = w.missing || why.tuml, qskip = w.missing || why.qemu;
    // tuml's and qemu's runs alternate (interleave), so a busy spell of the host hits both.
    const [t, q] = interleave(
      skip ? given({ na: skip }) : measuring(runs, w.tuml, w.out, (i, n) => progress?.(`cpu ${w.key} tuml ${i}/${n}`)),
      qskip ? given({ na: qskip }) : measuring(runs, w.qemu, w.out, (i, n) => progress?.(`cpu ${w.key} qemu ${i}/${n}`)));
    if (t.ms !== undefined && q.ms !== undefined && t.out !== q.out) {
      rows.push({ key: w.key, work: w.work, t: { error: `wrong output: ${String(t.out).slice(0, 40)} (qemu: ${String(q.out).slice(0, 40)})` }, q });
    } else rows.push({ key: w.key, work: w.work, t, q });
  }
  return rows;
}
