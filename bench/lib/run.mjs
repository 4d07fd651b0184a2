// Small helpers for benchmarks: timing child processes, medians, tables,
// sampling a child's host memory.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** Run a command; returns { ms, status, stdout, stderr }. */
export function timed(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { maxBuffer: 64 << 20, input: '', ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, signal: r.signal, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '', error: r.error };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Step samplers (generators that yield after each run and return their measurement) in
 * turn, one run of each, so that a busy minute of the host falls on both sides of a
 * comparison instead of on all of one side's runs. Returns their measurements in order.
 */
export function interleave(...samplers) {
  const out = new Array(samplers.length);
  const live = samplers.map((_, i) => i);
  while (live.length > 0) {
    for (let k = 0; k < live.length;) {
      const i = live[k], r = samplers[i].next();
      if (r.done) { out[i] = r.value; live.splice(k, 1); } else k++;
    }
  }
  return out;
}

/** A sampler with nothing to run: its measurement is `m` (an n/a, say). */
export function* given(m) { return m; }

/** Print rows (arrays of strings) as an aligned table with a header row. */
export function table(rows, out = console.log) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const [k, r] of rows.entries()) {
    out(r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  '));
    if (k === 0) out(w.map((n) => '-'.repeat(n)).join('  '));
  }
}

/** One line describing why a timed() run failed, or '' when it succeeded. */
export function failure(r) {
  if (!r.error && r.status === 0) return '';
  const why = r.error?.message ?? `status ${r.status}${r.signal ? ' ' + r.signal : ''}`;
  const last = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-1)[0] ?? '';
  return `${why}${last ? ': ' + last.slice(0, 80) : ''}`;
}

/** VmRSS and VmHWM of a live process, in KiB (undefined once it is gone). */
export function procMem(pid) {
  let s;
  try { s = fs.readFileSync(`/proc/${pid}/status`, 'utf8'); } catch { return undefined; }
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Pids of pid's live descendants (UML's helper processes, for instance). */
export function descendants(pid) {
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  const out = [];
  const walk = (p) => { for (const k of kids.get(p) ?? []) { out.push(k); walk(k); } };
  walk(pid);
  return out;
}

/**
 * Start a command with a pipe on stdin, wait until `ready` matches its stdout
 * (or readyAfterMs passes), let it settle for settleMs, sample its memory, then
 * write `finish` to its stdin (when given; else stdin stays open) and wait for it
 * to exit. After timeoutMs it and its descendants get SIGKILL, by pid.
 * Returns { mem: {rss, hwm} KiB, stdout, stderr, status, error }.
 */
export async function sampleMemory(cmd, args, { cwd, env, ready, readyAfterMs, settleMs = 1000, finish = '', timeoutMs = 30000 } = {}) {
  const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '', stderr = '', exited = false, status = null, signal = null, error;
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdin.on('error', () => {});
  // 'exit', not 'close': helpers of the child may hold its stdout open.
  const done = new Promise((res) => child.on('exit', (c, s) => { exited = true; status = c; signal = s; res(); }));
  child.on('error', (e) => { error = e; });
  const t0 = Date.now();
  while (!exited && !error) {
    if (ready && ready.test(stdout)) break;
    if (readyAfterMs !== undefined && Date.now() - t0 >= readyAfterMs) break;
    if (Date.now() - t0 > timeoutMs) { error = new Error(`not ready after ${timeoutMs} ms`); break; }
    await sleep(20);
  }
  let mem;
  if (!exited && !error) {
    await sleep(settleMs);
    mem = procMem(child.pid);
  }
  if (!exited) {
    if (finish) child.stdin.end(finish);
    const killer = setTimeout(() => {
      if (exited) return;
      for (const pid of [...descendants(child.pid), child.pid]) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    }, timeoutMs);
    await done;
    clearTimeout(killer);
  }
  child.stdin.destroy(); child.stdout.destroy(); child.stderr.destroy();
  if (!mem && !error) error = new Error(`exited before it was sampled (status ${status}${signal ? ' ' + signal : ''})`);
  return { mem, stdout, stderr, status, signal, error };
}
