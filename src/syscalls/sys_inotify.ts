// inotify_init1, inotify_add_watch, inotify_rm_watch.
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EBADF, EINVAL, ENAMETOOLONG, ENOTDIR, EEXIST } from '../abi/linux/errno.js';
import { O_CLOEXEC, O_NONBLOCK } from '../abi/linux/fcntl.js';
import { PATH_MAX } from '../abi/linux/fs.js';
import { readCString } from '../mm/usercopy.js';
import { InotifyFile } from '../fs/inotify.js';
import * as V from '../fs/vfs/ops.js';
import { IN_ALL_EVENTS, IN_DONT_FOLLOW, IN_ONLYDIR, IN_MASK_ADD, IN_MASK_CREATE, IN_ONESHOT, IN_EXCL_UNLINK } from '../fs/vfs/fsnotify.js';
import { MAY_READ, permission } from '../fs/vfs/inode.js';

function sysInotifyInit1(t: Task, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK)) return -EINVAL;
  const f = new InotifyFile(flags & O_NONBLOCK);
  const fd = t.files.alloc(f, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) { f.get(); f.put(); }
  return fd;
}

function sysInotifyAddWatch(t: Task, fd: number, pva: number, mask: number): number {
  mask >>>= 0;
  const f = t.files.get(fd | 0);
  if (!f) return -EBADF;
  if (!(f instanceof InotifyFile)) return -EINVAL;
  const valid = IN_ALL_EVENTS | IN_DONT_FOLLOW | IN_ONLYDIR | IN_MASK_ADD | IN_MASK_CREATE | IN_ONESHOT | IN_EXCL_UNLINK;
  if ((mask & IN_ALL_EVENTS) === 0 || (mask & ~valid)) return -EINVAL;
  if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) return -EINVAL;
  const p = readCString(t.mm, pva, PATH_MAX);
  if (p === null) return -ENAMETOOLONG;
  const s = V.startAt(t.fs, t.files, -100, p);
  if (typeof s === 'number') return s;
  const r = V.lookupPath(t.fs, t.cred, s, p, (mask & IN_DONT_FOLLOW) === 0);
  if (typeof r === 'number') return r;
  const inode = r.d.inode;
  if ((mask & IN_ONLYDIR) && !inode.isDir) return -ENOTDIR;
  const e = permission(inode, t.cred, MAY_READ);
  if (e) return e;
  const wd = f.addWatch(inode, mask & ~(IN_ONLYDIR | IN_DONT_FOLLOW | IN_MASK_CREATE), (mask & IN_MASK_CREATE) !== 0);
  return wd === -17 ? -EEXIST : wd;
}

function sysInotifyRmWatch(t: Task, fd: number, wd: number): number {
  const f = t.files.get(fd | 0);
  if (!f) return -EBADF;
  if (!(f instanceof InotifyFile)) return -EINVAL;
  return f.rmWatch(wd | 0);
}

export const inotifySyscalls: SyscallDefs = {
  [NR.inotify_init1]: def('inotify_init1', 'x', sysInotifyInit1),
  [NR.inotify_add_watch]: def('inotify_add_watch', 'fsx', sysInotifyAddWatch, 'partial', 'events for changes made through tuml\'s VFS (not external changes to hostfs folders)'),
  [NR.inotify_rm_watch]: def('inotify_rm_watch', 'fd', sysInotifyRmWatch),
};
