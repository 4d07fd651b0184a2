// Memory syscalls: brk, mmap, munmap, mprotect, madvise. Decode and check, then mm/.
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, ENOMEM, EBADF, ENODEV } from '../abi/linux/errno.js';
import * as MM from '../abi/linux/mman.js';
import { USER_TOP } from '../mm/pagetable.js';

const PAGE = 4096;

function brk(t: Task, addr: number): number { return t.mm.setBrk(addr); }

/** The file-mapping hook: fs/ supplies the backing for an fd (set by machine at boot). */
export interface MmapFileSource {
  /** Backing for fd's file, or -errno (EBADF, EACCES, ENODEV). */
  backing(t: Task, fd: number, prot: number, flags: number): import('../mm/aspace.js').VmBacking | number;
}
let fileSource: MmapFileSource | null = null;
export function setMmapFileSource(s: MmapFileSource): void { fileSource = s; }

function mmap(t: Task, addr: number, len: number, prot: number, flags: number, fd: number, off: number): number {
  const type = flags & MM.MAP_TYPE;
  if (type !== MM.MAP_PRIVATE && type !== MM.MAP_SHARED && type !== MM.MAP_SHARED_VALIDATE) return -EINVAL;
  if (len === 0 || len < 0 || len > USER_TOP) return len === 0 ? -EINVAL : -ENOMEM;
  if (off % PAGE !== 0 || off < 0) return -EINVAL;
  if ((prot & ~(MM.PROT_READ | MM.PROT_WRITE | MM.PROT_EXEC)) !== 0) return -EINVAL;
  if ((flags & MM.MAP_FIXED) !== 0 && addr % PAGE !== 0) return -EINVAL;
  let backing = null;
  if ((flags & MM.MAP_ANONYMOUS) === 0) {
    if (fileSource === null) return fd < 0 ? -EBADF : -ENODEV;
    const b = fileSource.backing(t, fd | 0, prot, flags);
    if (typeof b === 'number') return b;
    backing = b;
  }
  const mflags = type === MM.MAP_SHARED_VALIDATE ? (flags & ~MM.MAP_TYPE) | MM.MAP_SHARED : flags;
  return t.mm.mmap(addr, len, prot, mflags, backing, off / PAGE, '');
}

function munmap(t: Task, addr: number, len: number): number {
  if (addr % PAGE !== 0 || len === 0 || addr + len > USER_TOP || len < 0) return -EINVAL;
  t.mm.unmap(addr, len);
  return 0;
}

function mprotect(t: Task, addr: number, len: number, prot: number): number {
  if (addr % PAGE !== 0) return -EINVAL;
  if ((prot & ~(MM.PROT_READ | MM.PROT_WRITE | MM.PROT_EXEC | MM.PROT_GROWSDOWN | MM.PROT_GROWSUP)) !== 0) return -EINVAL;
  if (len === 0) return 0;
  if (addr + len > USER_TOP || len < 0) return -ENOMEM;
  return t.mm.mprotect(addr, len, prot & 7);
}

/** madvise: DONTNEED drops anonymous private pages (they read back as zeros); the rest are hints. */
function madvise(t: Task, addr: number, len: number, advice: number): number {
  if (addr % PAGE !== 0 || len < 0) return -EINVAL;
  if (advice === MM.MADV_DONTNEED || advice === MM.MADV_FREE) {
    const end = addr + Math.ceil(len / PAGE) * PAGE;
    for (let a = addr; a < end; a += PAGE) if (t.mm.find(a) === null) return -ENOMEM;
    t.mm.dropPages(addr, end);
    for (const m of t.mm.mmus) m.flush();
  }
  return 0;
}

function mremap(t: Task, addr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
  if (addr % PAGE !== 0) return -EINVAL;
  if (flags & ~(MM.MREMAP_MAYMOVE | MM.MREMAP_FIXED | MM.MREMAP_DONTUNMAP)) return -EINVAL;
  if ((flags & MM.MREMAP_FIXED) && !(flags & MM.MREMAP_MAYMOVE)) return -EINVAL;
  if (flags & MM.MREMAP_DONTUNMAP) return -EINVAL;
  if (newLen === 0 || newLen > USER_TOP) return -EINVAL;
  let fixed = -1;
  if (flags & MM.MREMAP_FIXED) {
    if (newAddr % PAGE !== 0) return -EINVAL;
    if (newAddr < addr + oldLen && addr < newAddr + newLen) return -EINVAL;
    fixed = newAddr;
  }
  if (oldLen === 0) return -EINVAL;
  return t.mm.mremap(addr, oldLen, newLen, (flags & MM.MREMAP_MAYMOVE) !== 0, fixed);
}

export const mmSyscalls: SyscallDefs = {
  [NR.brk]: def('brk', 'p', brk),
  [NR.mmap]: def('mmap', 'puxxfx', mmap, 'partial', 'file pages are copied in on first touch: MAP_SHARED of a file is not coherent with write(2) yet'),
  [NR.munmap]: def('munmap', 'pu', munmap),
  [NR.mprotect]: def('mprotect', 'pux', mprotect),
  [NR.mremap]: def('mremap', 'puuxp', mremap, 'partial', 'old_len 0 (duplicate shared mapping) and MREMAP_DONTUNMAP are EINVAL'),
  [NR.madvise]: def('madvise', 'pud', madvise, 'partial', 'DONTNEED/FREE drop pages; other advice is accepted as a hint'),
};
