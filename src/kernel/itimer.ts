// ITIMER_VIRTUAL and ITIMER_PROF (getitimer(2)): per-process timers on the process's CPU
// time (all its threads' retired instructions, the clock CLOCK_PROCESS_CPUTIME_ID reads),
// sending SIGVTALRM / SIGPROF. tuml charges no CPU time to system calls, so PROF counts
// the same time as VIRTUAL. The run loop calls itimerCheck after each slice while any
// process has one armed.
import type { Task } from './task.js';
import { TaskState } from './task.js';
import { NS_PER_INSN } from './vclock.js';
import { sendSignal } from './signal.js';
import { SigInfo, SI_KERNEL } from './siginfo.js';
import { SIGVTALRM, SIGPROF } from './signal_state.js';

export const ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;

/** The process's CPU time in ns. */
export function processCpuNs(p: Task): number {
  let n = 0;
  for (const o of p.kernel.tasks.values()) if (o.tgid === p.tgid && o.state !== TaskState.Dead) n += o.hart.instret;
  return n * NS_PER_INSN;
}

/** Processes (leaders) with an armed CPU timer. */
const armed = new WeakMap<object, Set<Task>>();
function armedSet(p: Task): Set<Task> { return armedOf(p.kernel); }
function armedOf(k: object): Set<Task> {
  let s = armed.get(k);
  if (s === undefined) { s = new Set(); armed.set(k, s); }
  return s;
}
/** The kernel's set of processes with an armed CPU timer, for the run loop to keep (size > 0: check). */
export function itimersOf(k: object): ReadonlySet<Task> { return armedOf(k); }

/** [value, interval] in ns: what getitimer reports (value 0: disarmed). */
export function cpuItimerGet(p: Task, which: number): [number, number] {
  const at = which === ITIMER_VIRTUAL ? p.itVirtAt : p.itProfAt;
  const iv = which === ITIMER_VIRTUAL ? p.itVirtInterval : p.itProfInterval;
  if (at === 0) return [0, iv];
  const now = processCpuNs(p);
  return [at > now ? at - now : 1000, iv]; // about to fire: a tick's worth, never 0
}

export function cpuItimerSet(p: Task, which: number, value: number, interval: number): void {
  const at = value > 0 ? processCpuNs(p) + value : 0;
  if (which === ITIMER_VIRTUAL) { p.itVirtAt = at; p.itVirtInterval = interval; } else { p.itProfAt = at; p.itProfInterval = interval; }
  const s = armedSet(p);
  if (p.itVirtAt !== 0 || p.itProfAt !== 0) s.add(p); else s.delete(p);
}

/** A process loaded from a checkpoint: put it back in its kernel's set if a CPU timer is armed. */
export function itimerRestored(p: Task): void {
  if (p.itVirtAt !== 0 || p.itProfAt !== 0) armedSet(p).add(p);
}

/** After t ran: fire its process's expired CPU timers (one signal per timer per check, as Linux). */
export function itimerCheck(t: Task): void {
  const s = armed.get(t.kernel);
  if (s === undefined || s.size === 0) return;
  const p = t.kernel.tasks.get(t.tgid);
  if (p === undefined || !s.has(p)) return;
  if (p.state === TaskState.Zombie || p.state === TaskState.Dead) { s.delete(p); return; }
  const now = processCpuNs(p);
  if (p.itVirtAt !== 0 && p.itVirtAt <= now) {
    p.itVirtAt = p.itVirtInterval > 0 ? p.itVirtAt + p.itVirtInterval : 0;
    sendSignal(p, SIGVTALRM, SigInfo.of(SIGVTALRM, SI_KERNEL));
  }
  if (p.itProfAt !== 0 && p.itProfAt <= now) {
    p.itProfAt = p.itProfInterval > 0 ? p.itProfAt + p.itProfInterval : 0;
    sendSignal(p, SIGPROF, SigInfo.of(SIGPROF, SI_KERNEL));
  }
  if (p.itVirtAt === 0 && p.itProfAt === 0) s.delete(p);
}

