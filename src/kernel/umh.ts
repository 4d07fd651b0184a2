// Usermode helpers: programs the kernel itself starts, as Linux's call_usermodehelper
// does (orderly_poweroff runs /sbin/poweroff). The helper is a child of init with root's
// credentials, init's root and cwd, and no open files.
import { Task } from './task.js';
import type { Kernel } from './kernel.js';
import { Cred } from './cred.js';
import { AddressSpace } from '../mm/aspace.js';
import { FdTable } from '../fs/vfs/fdtable.js';
import { doExecve } from './execve.js';
import { ESRCH } from '../abi/linux/errno.js';

const PATH_ENV = ['HOME=/', 'TERM=linux', 'PATH=/sbin:/usr/sbin:/bin:/usr/bin'];

/** Start `path` with `argv`; the new pid, or -errno when it cannot be run. */
export function spawnUsermodeHelper(k: Kernel, path: string, argv: string[]): number {
  const init = k.init;
  if (!init) return -ESRCH;
  const pid = k.allocPid();
  const enc = (s: string): Buffer => Buffer.from(s, 'latin1');
  const t = new Task(k, pid, pid, new AddressSpace(k.mem), new FdTable(), init.fs.clone(), new Cred());
  const r = doExecve(t, path, argv.map(enc), PATH_ENV.map(enc));
  if (r < 0) { t.mm.destroy(); return r; }
  t.parent = init;
  init.children.add(t);
  k.tasks.set(pid, t);
  k.makeRunnable(t);
  return pid;
}

/** Linux's orderly_poweroff(): ask userspace to shut down (init runs its shutdown
 *  actions); if /sbin/poweroff cannot be run, power off at once. */
export function orderlyPoweroff(k: Kernel, why: string): void {
  k.log(why);
  if (spawnUsermodeHelper(k, '/sbin/poweroff', ['/sbin/poweroff']) < 0 && k.haltStatus === null) k.haltStatus = 0;
}
