// The OOM killer: when no frame can be found even after reclaiming the page cache,
// the largest process (by resident pages; never init) is killed with SIGKILL, with a
// kernel message, and the machine keeps running.
import type { Kernel } from './kernel.js';
import { TaskState } from './task.js';
import { killGroup } from './signal.js';
import { SIGKILL } from './signal_state.js';

export function oomKill(k: Kernel): boolean {
  let victim = null, best = 0;
  for (const t of k.tasks.values()) {
    if (t.tid !== t.tgid || t.tgid === 1 || t.state === TaskState.Zombie || t.state === TaskState.Dead) continue;
    if (t.mm.rss > best) { best = t.mm.rss; victim = t; }
  }
  if (victim === null) return false;
  let vm = 0;
  for (const v of victim.mm.vmas) vm += v.end - v.start;
  k.log(`Out of memory: Killed process ${victim.tgid} (${victim.comm}) total-vm:${vm / 1024}kB, ` +
    `anon-rss:${best * 4}kB, file-rss:0kB, shmem-rss:0kB, UID:${victim.cred.uid}`, true);
  killGroup(victim, SIGKILL);
  return true;
}
