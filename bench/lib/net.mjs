// Network rows for `npm run bench`: TCP throughput with busybox nc, tuml against real UML.
//   loopback   one machine: nc -l and nc over lo, BENCH_NET_MB MiB from /dev/zero
//   forwarding A - R - B: two uml_switch LANs joined by a router R (ip_forward=1); A
//              sends to B through R; tuml machines with eth=daemon, UML machines with
//              UML's own daemon transport on the same kind of switches
// The clock is the host's: from the guest's "start" marker (loopback) or the "go" line
// written to A's console (forwarding) to the receiver's "done" marker, so boot time is
// not counted. Each figure is the median of `runs` transfers.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { median } from './run.mjs';
import { GUEST_ROOT, REPO, TUML, TUML_NODE_FLAGS, UML, umlScript, PEER_ROOT } from './peers.mjs';

const STEP_MS = 300000;

/** A running machine: waitFor(re) -> the time (ms) the match arrived; send(line); stop(). */
function machine(cmd, args, label) {
  const p = spawn(cmd, args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  const m = { out: '', err: '', waiters: [], exited: null };
  const check = () => {
    const now = performance.now();
    m.waiters = m.waiters.filter((w) => { if (!w.re.test(m.out)) return true; w.resolve(now); return false; });
  };
  p.stdout.on('data', (d) => { m.out += d; check(); });
  p.stderr.on('data', (d) => { m.err += d; });
  p.on('exit', (code, sig) => {
    m.exited = code ?? sig;
    for (const w of m.waiters) w.reject(new Error(`${label} exited (${m.exited}) before /${w.re.source}/: ${(m.out + m.err).trim().split('\n').slice(-2).join(' | ').slice(0, 120)}`));
    m.waiters = [];
  });
  m.waitFor = (re) => new Promise((resolve, reject) => {
    if (re.test(m.out)) { resolve(performance.now()); return; }
    if (m.exited !== null) { reject(new Error(`${label} exited (${m.exited})`)); return; }
    const t = setTimeout(() => reject(new Error(`${label}: no /${re.source}/ in ${STEP_MS / 1000} s`)), STEP_MS);
    m.waiters.push({ re, resolve: (v) => { clearTimeout(t); resolve(v); }, reject: (e) => { clearTimeout(t); reject(e); } });
  });
  m.send = (line) => { if (!p.stdin.destroyed) p.stdin.write(`${line}\n`); };
  // Let the guest finish (its script waits on `read done`, then powers off); kill it if not.
  m.stop = () => new Promise((resolve) => {
    if (m.exited !== null) { resolve(); return; }
    const t = setTimeout(() => p.kill('SIGKILL'), 15000);
    p.on('exit', () => { clearTimeout(t); resolve(); });
    m.send('done');
  });
  return m;
}

async function startSwitch(dir, name) {
  const ctl = path.join(dir, `${name}.ctl`);
  const p = spawn('uml_switch', ['-unix', ctl], { stdio: ['ignore', 'ignore', 'ignore'] });
  // The socket file appears at bind(); wait until the switch also listens on it.
  const listening = () => new Promise((resolve) => {
    const c = net.connect(ctl);
    c.on('connect', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
  for (let i = 0; i < 400 && !(fs.existsSync(ctl) && await listening()); i++) await new Promise((r) => setTimeout(r, 25));
  if (!fs.existsSync(ctl)) { p.kill(); throw new Error('uml_switch did not start'); }
  return { ctl, stop: () => p.kill('SIGINT') }; // uml_switch removes its socket on SIGINT
}

const tumlM = (eths, script, label) => machine(process.execPath, [...TUML_NODE_FLAGS, TUML, 'quiet', 'mem=96M', 'rootfstype=hostfs',
  `hostfs=${GUEST_ROOT}`, ...eths, '--', '/bin/sh', '-c', script], label);
let umlSeq = 0, switchSeq = 0;
const umlM = (dir, eths, script, label) => {
  // One init script per role (build/peers/root/bench/net-lo.sh, net-R.sh …), a umid per machine.
  const role = `net-${label.split(' ').pop()}`;
  return machine(UML, ['mem=64M', 'root=/dev/root', 'rootfstype=hostfs', `hostfs=${PEER_ROOT}`,
    `init=${umlScript(role, `export PATH=/bin\n${script}`)}`, 'quiet', 'con0=fd:0,fd:1', 'con=null',
    `uml_dir=${dir}`, `umid=net${process.pid}-${++umlSeq}`, ...eths], label);
};

// Scripts, the same for tuml (riscv64 busybox) and UML (x86-64 busybox); `busybox X` only.
const send = (dst, mb) => `i=0; until busybox dd if=/dev/zero bs=65536 count=${mb * 16} 2>/dev/null | busybox nc ${dst} 5000; do i=$((i+1)); [ $i -gt 50 ] && break; busybox sleep 0.2; done`;
const loScript = (mb) => `busybox ifconfig lo 127.0.0.1 up
busybox sleep 600 | busybox nc -l -p 5000 > /dev/null &
busybox sleep 0.5
echo lo-start
${send('127.0.0.1', mb)}
echo lo-done`;
const rScript = `busybox mount -t proc proc /proc 2>/dev/null
busybox ifconfig eth0 10.8.1.1 netmask 255.255.255.0 up
busybox ifconfig eth1 10.8.2.1 netmask 255.255.255.0 up
echo 1 > /proc/sys/net/ipv4/ip_forward
echo R-ready; read done`;
const bScript = `busybox ifconfig eth0 10.8.2.2 netmask 255.255.255.0 up
busybox route add default gw 10.8.2.1
echo B-ready
busybox nc -l -p 5000 > /dev/null; echo B-done; read done`;
const aScript = (mb) => `busybox ifconfig eth0 10.8.1.2 netmask 255.255.255.0 up
busybox route add -net 10.8.2.0 netmask 255.255.255.0 gw 10.8.1.1
busybox ping -c 1 10.8.2.2 > /dev/null
echo A-ready; read go
${send('10.8.2.2', mb)}
echo A-done; read done`;

/** MB/s of one loopback transfer. */
async function loopback(kind, dir, mb) {
  const m = kind === 'tuml' ? tumlM([], loScript(mb), 'tuml lo') : umlM(dir, [], loScript(mb), 'UML lo');
  try {
    const t0 = await m.waitFor(/lo-start/);
    const t1 = await m.waitFor(/lo-done/);
    return mb / ((t1 - t0) / 1000);
  } finally { await m.stop(); }
}

/** MB/s of one A -> R -> B transfer. */
async function forwarding(kind, dir, mb) {
  const n = ++switchSeq;
  const s1 = await startSwitch(dir, `s1-${kind}-${n}`), s2 = await startSwitch(dir, `s2-${kind}-${n}`);
  const d = (ctl) => `eth0=daemon,,unix,${ctl}`;
  const mk = (eths, script, label) => kind === 'tuml' ? tumlM(eths, script, label) : umlM(dir, eths, script, label);
  const ms = [];
  try {
    const R = mk([d(s1.ctl), `eth1=daemon,,unix,${s2.ctl}`], rScript, `${kind} R`); ms.push(R);
    await R.waitFor(/R-ready/);
    const B = mk([d(s2.ctl)], bScript, `${kind} B`); ms.push(B);
    await B.waitFor(/B-ready/);
    const A = mk([d(s1.ctl)], aScript(mb), `${kind} A`); ms.push(A);
    await A.waitFor(/A-ready/);
    const t0 = performance.now();
    A.send('go');
    const t1 = await B.waitFor(/B-done/);
    return mb / ((t1 - t0) / 1000);
  } finally {
    await Promise.all(ms.map((m) => m.stop()));
    s1.stop(); s2.stop();
  }
}

/** Add the rows: ctx is bench/run.mjs's { row, progress, why, runs, quick, notes }. */
export async function netRows({ row, progress, why, runs, quick, notes }) {
  const mb = Number(process.env.BENCH_NET_MB || (quick ? 4 : 16));
  const fwdMb = Number(process.env.BENCH_NET_FWD_MB || (quick ? 4 : 16));
  const noSwitch = spawnSync('sh', ['-c', 'command -v uml_switch']).status !== 0 ? 'apt-get install uml-utilities' : '';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-bench-net-'));
  const measure = async (label, miss, fn) => {
    if (miss) return { na: miss };
    const xs = [];
    for (let i = 0; i < runs; i++) {
      progress(`${label} ${i + 1}/${runs}`);
      let x, err;
      for (let attempt = 0; attempt < 3; attempt++) {
        try { x = await fn(); break; } catch (e) { err = e; notes.push(`${label}: run ${i + 1} failed (${String(e.message).slice(0, 90)})${attempt < 2 ? '; retried' : ''}`); }
      }
      if (x === undefined) return { fail: String(err?.message).slice(0, 90) };
      xs.push(x);
    }
    return { v: median(xs), xs };
  };
  try {
    const tLo = await measure('net loopback tuml', why.tuml, () => loopback('tuml', dir, mb));
    const uLo = await measure('net loopback UML', why.uml, () => loopback('uml', dir, mb));
    row(`TCP over the guest loopback (nc, ${mb} MiB)`, 'UML', tLo, uLo, 'rate');
    const tF = await measure('net forwarding tuml', why.tuml || noSwitch, () => forwarding('tuml', dir, fwdMb));
    const uF = await measure('net forwarding UML', why.uml || noSwitch, () => forwarding('uml', dir, fwdMb));
    row(`TCP A→R→B, R forwarding between 2 uml_switch LANs (${fwdMb} MiB)`, 'UML', tF, uF, 'rate');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
}
