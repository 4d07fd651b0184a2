// Credential syscalls: set*uid, set*gid, setfs*id, setgroups. Decode, then kernel/cred.
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL } from '../abi/linux/errno.js';
import { NGROUPS_MAX } from '../kernel/cred.js';
import { readU32 } from '../mm/usercopy.js';

const setuid = (t: Task, uid: number) => t.cred.setuid(uid);
const setgid = (t: Task, gid: number) => t.cred.setgid(gid);
const setreuid = (t: Task, r: number, e: number) => t.cred.setreuid(r, e);
const setregid = (t: Task, r: number, e: number) => t.cred.setregid(r, e);
const setresuid = (t: Task, r: number, e: number, s: number) => t.cred.setresuid(r, e, s);
const setresgid = (t: Task, r: number, e: number, s: number) => t.cred.setresgid(r, e, s);
const setfsuid = (t: Task, uid: number) => t.cred.setfsuid(uid);
const setfsgid = (t: Task, gid: number) => t.cred.setfsgid(gid);

function setgroups(t: Task, size: number, list: number): number {
  size |= 0;
  if (size < 0 || size > NGROUPS_MAX) return -EINVAL;
  const g: number[] = [];
  for (let i = 0; i < size; i++) g.push(readU32(t.mm, list + 4 * i));
  return t.cred.setgroups(g);
}

export const credSyscalls: SyscallDefs = {
  [NR.setuid]: def('setuid', 'u', setuid, 'supported', 'euid 0 holds every capability'),
  [NR.setgid]: def('setgid', 'u', setgid, 'supported', 'euid 0 holds every capability'),
  [NR.setreuid]: def('setreuid', 'uu', setreuid),
  [NR.setregid]: def('setregid', 'uu', setregid),
  [NR.setresuid]: def('setresuid', 'uuu', setresuid),
  [NR.setresgid]: def('setresgid', 'uuu', setresgid),
  [NR.setfsuid]: def('setfsuid', 'u', setfsuid),
  [NR.setfsgid]: def('setfsgid', 'u', setfsgid),
  [NR.setgroups]: def('setgroups', 'dp', setgroups),
};
