// mount(2), umount2(2), pivot_root(2).
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { ENAMETOOLONG } from '../abi/linux/errno.js';
import { PATH_MAX } from '../abi/linux/fs.js';
import { readCString } from '../mm/usercopy.js';
import { doMount, doUmount, doPivotRoot } from '../fs/vfs/mountops.js';

function str(t: Task, va: number, max = PATH_MAX): string | number {
  if (va === 0) return '';
  const s = readCString(t.mm, va, max);
  return s === null ? -ENAMETOOLONG : s;
}

function sysMount(t: Task, src: number, target: number, type: number, flags: number, data: number): number {
  const s = str(t, src); if (typeof s === 'number') return s;
  const tg = str(t, target); if (typeof tg === 'number') return tg;
  if (tg === '') return -2;
  const ty = str(t, type, 4096); if (typeof ty === 'number') return ty;
  const d = str(t, data, 4095); if (typeof d === 'number') return d;
  return doMount(t.fs, t.cred, s, tg, ty, flags >>> 0, d);
}

function sysUmount2(t: Task, target: number, flags: number): number {
  const tg = str(t, target); if (typeof tg === 'number') return tg;
  if (tg === '') return -2;
  return doUmount(t.fs, t.cred, tg, flags >>> 0);
}

function sysPivotRoot(t: Task, newRoot: number, putOld: number): number {
  const a = str(t, newRoot); if (typeof a === 'number') return a;
  const b = str(t, putOld); if (typeof b === 'number') return b;
  if (a === '' || b === '') return -2;
  return doPivotRoot(t.fs, t.cred, a, b);
}

export const mountSyscalls: SyscallDefs = {
  [NR.mount]: def('mount', 'sssxs', sysMount, 'partial', 'tmpfs, ramfs, devtmpfs, hostfs and registered types; bind, move, remount; no propagation'),
  [NR.umount2]: def('umount2', 'sx', sysUmount2),
  [NR.pivot_root]: def('pivot_root', 'ss', sysPivotRoot),
};
