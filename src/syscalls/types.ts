// The one handler signature and the table entry shape (gVisor-style: the table is data).
import type { Task } from '../kernel/task.js';

/** A syscall handler: raw register arguments in, result or -errno out (or BLOCK). */
export type Handler = (t: Task, a0: number, a1: number, a2: number, a3: number, a4: number, a5: number) => number;

export type Status = 'supported' | 'partial' | 'enosys';

export interface SyscallDef {
  name: string;
  handler: Handler | null;
  status: Status;
  /** Argument formats for strace: one char per argument:
   *  d int, u unsigned, x hex, o octal, s C string, p pointer, f fd/dirfd. */
  args: string;
  note?: string;
}

/** Shorthand for a family file's table fragment: nr → definition. */
export type SyscallDefs = Record<number, SyscallDef>;

export function def(name: string, args: string, handler: Handler, status: Status = 'supported', note?: string): SyscallDef {
  return { name, handler, status, args, note };
}
