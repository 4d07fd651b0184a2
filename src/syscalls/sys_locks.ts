// flock(2) and fcntl's record locks (F_GETLK/F_SETLK/F_SETLKW and the OFD variants):
// decode struct flock, then call fs/locks.ts.
import type { Task } from '../kernel/task.js';
import { EBADF, EINVAL, EOVERFLOW } from '../abi/linux/errno.js';
import {
  F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_RDLCK, F_WRLCK, F_UNLCK,
  O_PATH, SEEK_SET, SEEK_CUR, SEEK_END,
} from '../abi/linux/fcntl.js';
import { copyIn, copyOut } from '../mm/usercopy.js';
import type { File } from '../fs/vfs/file.js';
import { flock, findConflict, setRangeLock } from '../fs/locks.js';

/** struct flock (riscv64): short l_type, short l_whence, off_t l_start @8, off_t l_len @16, pid_t l_pid @24. */
const FLOCK_SIZE = 32;
const MAX_OFF = 2 ** 63; // OFFSET_MAX: beyond every exact double

export function sysFlockImpl(t: Task, fd: number, op: number): number {
  const f = t.files.get(fd | 0);
  if (!f || (f.flags & O_PATH)) return -EBADF;
  if (!f.inode) return 0; // anonymous pipes, sockets: nothing to contend on
  return flock(f.inode, f, op | 0, t);
}

function i64(v: DataView, o: number): number {
  return v.getInt32(o + 4, true) * 4294967296 + v.getUint32(o, true);
}
function w64(v: DataView, o: number, x: number): void {
  v.setUint32(o, x >>> 0, true);
  v.setInt32(o + 4, Math.floor(x / 4294967296) | 0, true);
}

/** fcntl record-lock commands. */
export function fcntlLock(t: Task, f: File, cmd: number, arg: number): number {
  if (f.flags & O_PATH) return -EBADF;
  const b = new Uint8Array(FLOCK_SIZE);
  copyIn(t.mm, arg, b, 0, FLOCK_SIZE);
  const v = new DataView(b.buffer);
  const type = v.getInt16(0, true), whence = v.getInt16(2, true);
  const lstart = i64(v, 8), llen = i64(v, 16), lpid = v.getInt32(24, true);
  const ofd = cmd === F_OFD_GETLK || cmd === F_OFD_SETLK || cmd === F_OFD_SETLKW;
  if (ofd && lpid !== 0) return -EINVAL;
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) return -EINVAL;
  let base: number;
  switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = f.pos; break;
    case SEEK_END: if (!f.inode) return -EINVAL; f.inode.refresh(); base = f.inode.size; break;
    default: return -EINVAL;
  }
  let start = base + lstart, end: number;
  if (llen > 0) end = start + llen - 1;
  else if (llen === 0) end = Infinity;
  else { end = start - 1; start += llen; }
  if (start < 0) return -EINVAL;
  if (end !== Infinity && end >= MAX_OFF) return -EOVERFLOW;
  const inode = f.inode;
  const owner: object = ofd ? f : t.files;
  if (cmd === F_GETLK || cmd === F_OFD_GETLK) {
    if (type === F_UNLCK) return -EINVAL;
    const c = inode ? findConflict(inode, owner, type, start, end) : null;
    if (!c) { v.setInt16(0, F_UNLCK, true); copyOut(t.mm, arg, b, 0, 2); return 0; }
    v.setInt16(0, c.type, true);
    v.setInt16(2, SEEK_SET, true);
    w64(v, 8, c.start);
    w64(v, 16, c.end === Infinity ? 0 : c.end - c.start + 1);
    v.setInt32(24, c.ofd ? -1 : c.pid, true);
    copyOut(t.mm, arg, b);
    return 0;
  }
  if (type === F_RDLCK && !f.readable) return -EBADF;
  if (type === F_WRLCK && !f.writable) return -EBADF;
  if (!inode) return 0;
  const wait = cmd === F_SETLKW || cmd === F_OFD_SETLKW;
  return setRangeLock(inode, owner, t.tgid, ofd, type, start, end, wait, t, t.interrupted);
}
void F_SETLK;
