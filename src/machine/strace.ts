// strace-style printing of guest syscalls (kernel option `strace` or --strace).
import type { Task } from '../kernel/task.js';
import type { SyscallDef } from '../syscalls/types.js';
import { readCString } from '../mm/usercopy.js';
import { BLOCK } from '../lib/waitqueue.js';
import { NORETURN } from '../syscalls/dispatch_consts.js';
import * as E from '../abi/linux/errno.js';

const errName = new Map<number, string>();
for (const [k, v] of Object.entries(E)) if (typeof v === 'number' && !errName.has(v)) errName.set(v, k);

function fmtArg(t: Task, c: string, v: number): string {
  switch (c) {
    case 'd': case 'f': return String(v);
    case 'u': return String(v < 0 ? v + 18446744073709551616 : v);
    case 'o': return '0' + (v >>> 0).toString(8);
    case 's': {
      if (v === 0) return 'NULL';
      try {
        const s = readCString(t.mm, v, 4096);
        if (s === null) return `0x${v.toString(16)}`;
        return JSON.stringify(s.length > 64 ? s.slice(0, 64) + '...' : s);
      } catch { return `0x${v.toString(16)}`; }
    }
    default: return v === 0 ? (c === 'p' ? 'NULL' : '0') : (v < 0 ? '-0x' + (-v).toString(16) : '0x' + v.toString(16));
  }
}

export function straceEnter(t: Task, d: SyscallDef, a: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < d.args.length; i++) parts.push(fmtArg(t, d.args[i], a[i]));
  return `[pid ${t.tid}] ${d.name}(${parts.join(', ')})`;
}

export function straceResult(r: number): string {
  if (r === BLOCK) return ' = ? <blocked>';
  if (r === NORETURN) return ' = ?';
  if (r < 0 && r > -4096) return ` = -1 ${errName.get(-r) ?? 'E' + -r} (${-r})`;
  return ` = ${r >= 0x10000 ? '0x' + r.toString(16) : r}`;
}
