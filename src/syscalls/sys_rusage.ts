// Resource usage: getrusage (RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD), times, and the
// accounting wait does when it reaps a child (its CPU time and that of its own waited-for
// children go to the parent, as Linux's signal->cutime). CPU time is what the CPU-time
// clocks use (sys_time.ts): retired instructions × NS_PER_INSN, all of it user time
// (the kernel's own work is not charged). ru_maxrss is the resident set in KiB.
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, ENOSYS } from '../abi/linux/errno.js';
import * as M from '../abi/linux/misc.js';
import { copyOut } from '../mm/usercopy.js';
import { clockNs } from './sys_time.js';
import { registerCkptState } from '../lib/ckptstate.js';

const RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
const USER_HZ = 100;
const RUSAGE_SIZE = 144;

interface Usage { cpuNs: number; maxrssKb: number; }

/** Children's usage per process (by kernel and tgid); dropped when the process is reaped. */
const childUsage = new WeakMap<object, Map<number, Usage>>();
registerCkptState('rusage.children', (k) => childUsage.get(k) ?? null, (v, k) => { if (v) childUsage.set(k, v as Map<number, Usage>); });
function table(t: Task): Map<number, Usage> {
  let m = childUsage.get(t.kernel);
  if (!m) { m = new Map(); childUsage.set(t.kernel, m); }
  return m;
}
function childrenOf(t: Task): Usage { return table(t).get(t.tgid) ?? { cpuNs: 0, maxrssKb: 0 }; }

function selfUsage(t: Task): Usage {
  return { cpuNs: clockNs(t, M.CLOCK_PROCESS_CPUTIME_ID), maxrssKb: t.mm.rss * 4 };
}

/** wait reaped `child` for `parent`: the child's time and its children's go to the parent. */
export function accountReaped(parent: Task, child: Task): void {
  const tab = table(parent);
  const own = { cpuNs: clockNs(child, M.CLOCK_THREAD_CPUTIME_ID), maxrssKb: child.mm.rss * 4 };
  const theirs = childrenOf(child);
  tab.delete(child.tgid);
  const p = childrenOf(parent);
  tab.set(parent.tgid, {
    cpuNs: p.cpuNs + own.cpuNs + theirs.cpuNs,
    maxrssKb: Math.max(p.maxrssKb, own.maxrssKb, theirs.maxrssKb),
  });
}

/** The struct rusage wait4/waitid report for a child being reaped (its own and its children's). */
export function childRusage(child: Task): Uint8Array {
  const c = childrenOf(child);
  return encodeRusage({ cpuNs: clockNs(child, M.CLOCK_THREAD_CPUTIME_ID) + c.cpuNs, maxrssKb: Math.max(child.mm.rss * 4, c.maxrssKb) });
}

/** struct rusage: ru_utime, ru_stime (timeval), then 14 longs from ru_maxrss. */
export function encodeRusage(u: Usage): Uint8Array {
  const b = new Uint8Array(RUSAGE_SIZE), dv = new DataView(b.buffer);
  const us = Math.floor(u.cpuNs / 1000);
  dv.setBigInt64(0, BigInt(Math.floor(us / 1e6)), true);
  dv.setBigInt64(8, BigInt(us % 1e6), true);
  dv.setBigInt64(32, BigInt(u.maxrssKb), true);
  return b;
}

function getrusage(t: Task, who: number, p: number): number {
  who |= 0;
  let u: Usage;
  if (who === RUSAGE_SELF) u = selfUsage(t);
  else if (who === RUSAGE_CHILDREN) u = childrenOf(t);
  else if (who === RUSAGE_THREAD) u = { cpuNs: clockNs(t, M.CLOCK_THREAD_CPUTIME_ID), maxrssKb: t.mm.rss * 4 };
  else return -EINVAL;
  copyOut(t.mm, p, encodeRusage(u));
  return 0;
}

const ticks = (ns: number): bigint => BigInt(Math.floor(ns / (1e9 / USER_HZ)));

/** times: struct tms in clock ticks (USER_HZ); returns the ticks since boot. */
function times(t: Task, p: number): number {
  if (p !== 0) {
    const b = new Uint8Array(32), dv = new DataView(b.buffer);
    dv.setBigInt64(0, ticks(selfUsage(t).cpuNs), true);
    dv.setBigInt64(16, ticks(childrenOf(t).cpuNs), true);
    copyOut(t.mm, p, b);
  }
  return Number(ticks(t.kernel.now()));
}

export const rusageSyscalls: SyscallDefs = {
  [NR.getrusage]: def('getrusage', 'dp', getrusage, 'supported', 'RUSAGE_SELF/CHILDREN/THREAD; CPU time from retired instructions (all user time), ru_maxrss from the resident set; the other fields are 0'),
  [NR.times]: def('times', 'p', times, 'supported', 'CPU times from retired instructions; returns ticks since boot'),
  [NR.rseq]: def('rseq', 'pxdx', () => -ENOSYS, 'enosys', 'ENOSYS on purpose: glibc then runs without restartable sequences'),
};
