// pipe2(2).
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL } from '../abi/linux/errno.js';
import { O_CLOEXEC, O_NONBLOCK, O_DIRECT } from '../abi/linux/fcntl.js';
import { copyOut } from '../mm/usercopy.js';
import { makePipe } from '../fs/pipe.js';

function sysPipe2(t: Task, fdsva: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return -EINVAL;
  const [r, w] = makePipe((flags & O_NONBLOCK) !== 0);
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const rfd = t.files.alloc(r, cloexec);
  if (rfd < 0) { r.get(); r.put(); w.get(); w.put(); return rfd; }
  const wfd = t.files.alloc(w, cloexec);
  if (wfd < 0) { t.files.close(rfd); w.get(); w.put(); return wfd; }
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setInt32(0, rfd, true);
  v.setInt32(4, wfd, true);
  try {
    copyOut(t.mm, fdsva, b);
  } catch (e) {
    t.files.close(rfd); t.files.close(wfd);
    throw e;
  }
  return 0;
}

export const pipeSyscalls: SyscallDefs = {
  [NR.pipe2]: def('pipe2', 'px', sysPipe2),
};
