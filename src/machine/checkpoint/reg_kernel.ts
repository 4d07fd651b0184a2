// Checkpoint registrations of the kernel core and memory management: tasks with their
// CPU state, signal state and credentials, address spaces, the kernel object itself
// (loaded into the fresh machine's Kernel, whose hooks stay), and wait queues (saved
// with their sleepers, so blocked tasks stay blocked exactly where they were).
import { registerClass } from './graph.js';
import { Kernel } from '../../kernel/kernel.js';
import { Task, SigAction, SigHand, SharedPending } from '../../kernel/task.js';
import { SigInfo } from '../../kernel/siginfo.js';
import { Cred } from '../../kernel/cred.js';
import { Rlimits } from '../../kernel/limits.js';
import { Hart } from '../../arch/riscv/hart.js';
import { PhysMem } from '../../mm/phys.js';
import { AddressSpace, Vma } from '../../mm/aspace.js';
import { PageTable } from '../../mm/pagetable.js';
import { WaitQueue } from '../../lib/waitqueue.js';
import { PosixTimer, ProcTimers } from '../../kernel/posix_timer.js';
import { FutexTable } from '../../kernel/futex.js';
import { itimerRestored } from '../../kernel/itimer.js';
import { IpcPerm, ShmSeg, SemSet, MsgQueue, ShmBacking, IpcNs } from '../../kernel/sysvipc.js';

registerClass({
  name: 'Kernel', ctor: Kernel,
  key: () => 'kernel',
  into: (ctx) => ctx.extern('kernel') as Kernel,
  // the fresh machine's memory, clock, config and timer queue (timers are saved apart)
  skip: ['mem', 'clock', 'cfg', 'timers', 'current'],
});

interface HartState { x: Int32Array; f: Int32Array; res?: number; scalars: Record<string, number | boolean>; }

registerClass({
  name: 'Task', ctor: Task,
  skip: ['sleepTimer', 'itRealTimer'], // re-armed from the saved timer list
  fields: {
    // The CPU: integer and FP registers, the LR reservation (in the state slot), and every
    // scalar field (pc, fcsr, instret, and whatever the CPU keeps later); the MMU and caches
    // are rebuilt.
    hart: {
      save: (h: Hart): HartState => {
        const scalars: Record<string, number | boolean> = {};
        for (const [k, v] of Object.entries(h)) {
          // Not the state slot: the restored hart gets a slot of its own in the new memory.
          if ((typeof v === 'number' || typeof v === 'boolean') && k !== 'slot' && k !== 'released') scalars[k] = v;
        }
        return { x: h.x.slice(), f: h.fi.slice(), res: h.res[0], scalars };
      },
      load: (s: HartState, _t, ctx) => {
        const h = new Hart(ctx.extern('mem') as PhysMem);
        h.x.set(s.x); h.fi.set(s.f); h.res[0] = s.res ?? -1;
        Object.assign(h, s.scalars);
        return h;
      },
    },
  },
  // init hooks run once the whole graph is loaded: t.kernel is the fresh machine's Kernel,
  // whose armed-CPU-timer set the run loop holds
  init: (t: Task) => {
    t.sleepTimer = null; t.itRealTimer = null;
    t.hart.owner = t; // the CPU's in-place syscalls find their task through it
    t.hart.timeFn = t.kernel.rdtime;
    itimerRestored(t);
  },
});

for (const [name, ctor] of [['SigAction', SigAction], ['SigHand', SigHand], ['SharedPending', SharedPending],
  ['SigInfo', SigInfo], ['Cred', Cred], ['Rlimits', Rlimits], ['Vma', Vma], ['PageTable', PageTable],
  ['WaitQueue', WaitQueue]] as const) {
  registerClass({ name, ctor });
}

registerClass({ name: 'PhysMem', ctor: PhysMem, extern: () => 'mem' });

registerClass({
  name: 'AddressSpace', ctor: AddressSpace,
  skip: ['mmus'], // the harts' MMUs attach again after restore
  init: (a: AddressSpace) => { (a as { mmus: Set<unknown> }).mmus = new Set(); },
});

// System V IPC: segments (their pages are a page cache), semaphore sets with SEM_UNDO
// records, message queues with their messages; the namespace's clock hook is rebuilt.
for (const [name, ctor] of [['IpcPerm', IpcPerm], ['ShmSeg', ShmSeg], ['SemSet', SemSet], ['MsgQueue', MsgQueue],
  ['ShmBacking', ShmBacking]] as const) registerClass({ name, ctor });
registerClass({ name: 'IpcNs', ctor: IpcNs, skip: ['realSec'] });

// Futex waiters (the per-kernel table keeps their FIFO order per key) and POSIX timers
// (their kernel timer is re-armed from the saved timer list).
registerClass({ name: 'FutexTable', ctor: FutexTable });
registerClass({ name: 'ProcTimers', ctor: ProcTimers });
registerClass({
  name: 'PosixTimer', ctor: PosixTimer,
  skip: ['ktimer'],
  init: (p: PosixTimer) => { (p as unknown as { ktimer: null }).ktimer = null; },
});
