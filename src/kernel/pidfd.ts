// pidfd: a file naming a process. It polls readable (POLLIN) once the whole thread group
// has exited, and POLLIN|POLLHUP once it has been reaped. Exits wake the parent's
// childWait queue, which is where pollers of a pidfd sleep.
import { O_RDWR } from '../abi/linux/fcntl.js';
import { POLLIN, POLLRDNORM, POLLHUP } from '../abi/linux/fs.js';
import type { WaitQueue } from '../lib/waitqueue.js';
import { File } from '../fs/vfs/file.js';
import { Task, TaskState } from './task.js';
import { groupOf } from './signal.js';
import { registerCkptState } from '../lib/ckptstate.js';

let nextIno = 1;
registerCkptState('pidfd.nextIno', () => nextIno, (v) => { nextIno = v as number; });

export class PidFdFile extends File {
  override get anonName(): string { return '[pidfd]'; }
  readonly pseudoMode = 0o600;
  readonly pseudoIno = nextIno++;

  /** thread: opened with PIDFD_THREAD (names one thread; signals go to it alone). */
  constructor(flags: number, readonly target: Task, readonly thread = false) { super(O_RDWR | flags, null, null); }

  /** The process has been reaped (its pid is gone). */
  get reaped(): boolean { return this.target.state === TaskState.Dead || this.target.kernel.tasks.get(this.target.tid) !== this.target; }
  /** Every thread of the group has exited. */
  get exited(): boolean { return this.reaped || groupOf(this.target).length === 0; }

  override poll(): number {
    if (this.reaped) return POLLIN | POLLRDNORM | POLLHUP;
    return this.exited ? POLLIN | POLLRDNORM : 0;
  }
  override get waitQueue(): WaitQueue | null { return this.target.parent?.childWait ?? null; }
}
