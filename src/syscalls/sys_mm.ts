// Memory syscalls: brk, mmap, munmap, mprotect, madvise. Decode and check, then mm/.
import type { Task } from '../kernel/task.js';
import { SyscallDefs, def } from './types.js';
import { NR } from '../abi/linux/unistd.js';
import { EINVAL, ENOMEM, EBADF, ENODEV } from '../abi/linux/errno.js';
import * as MM from '../abi/linux/mman.js';
import { USER_TOP } from '../mm/pagetable.js';
import { copyOut } from '../mm/usercopy.js';
import { sharedAnonBacking } from '../kernel/filemap.js';

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
  } else if (type !== MM.MAP_PRIVATE) {
    // Shared anonymous memory lives in its own page cache, so fork's children share it.
    backing = sharedAnonBacking(t, len);
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
  if ((prot & MM.PROT_GROWSDOWN) && (prot & MM.PROT_GROWSUP)) return -EINVAL;
  if (prot & MM.PROT_GROWSDOWN) {
    // Extend the change down to the start of the grows-down mapping (glibc's
    // _dl_make_stack_executable), as Linux does.
    const v = t.mm.find(addr);
    if (v === null || (v.flags & MM.MAP_GROWSDOWN) === 0) return -EINVAL;
    len += addr - v.start;
    addr = v.start;
  } else if (prot & MM.PROT_GROWSUP) return -EINVAL;
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

const MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;

/** msync: write dirty pages of shared file mappings in [addr, addr+len) back (Linux's rules). */
function msync(t: Task, addr: number, len: number, flags: number): number {
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return -EINVAL;
  if (addr % PAGE !== 0) return -EINVAL;
  if ((flags & MS_ASYNC) && (flags & MS_SYNC)) return -EINVAL;
  if (len < 0) return -ENOMEM;
  let start = addr;
  const end = addr + Math.ceil(len / PAGE) * PAGE;
  if (end === start) return 0;
  if (end > 2 ** 64) return -ENOMEM;
  let unmapped = 0;
  const vmas = t.mm.vmas;
  let i = 0;
  while (i < vmas.length && vmas[i].end <= start) i++;
  for (;;) {
    if (i >= vmas.length) return -ENOMEM;
    const v = vmas[i];
    if (start < v.start) {
      if (flags === MS_ASYNC) return -ENOMEM;
      start = v.start;
      if (start >= end) return -ENOMEM;
      unmapped = -ENOMEM;
    }
    start = v.end;
    // Linux starts writeback on MS_SYNC only (MS_ASYNC is a no-op there since pages are
    // coherent anyway); we write back for both so the host file sees the data early.
    if ((flags & (MS_SYNC | MS_ASYNC)) && v.file !== null && (v.flags & MM.MAP_SHARED) && v.file.sync) {
      const e = v.file.sync();
      if (e < 0 && (flags & MS_SYNC)) return e;
    }
    if (start >= end) return unmapped;
    i++;
  }
}

/** mincore: one byte per page of [addr, addr+len): 1 if resident (mapped, or in the page cache). */
function mincore(t: Task, addr: number, len: number, vec: number): number {
  if (addr % PAGE !== 0) return -EINVAL;
  if (len < 0 || addr + len > USER_TOP) return -ENOMEM;
  const pages = Math.ceil(len / PAGE);
  if (pages === 0) return 0;
  const out = new Uint8Array(pages);
  for (let i = 0; i < pages; i++) {
    const va = addr + i * PAGE;
    const v = t.mm.find(va);
    if (v === null) return -ENOMEM;
    const vpn = va / PAGE;
    if (t.mm.pt.get(vpn) !== 0) out[i] = 1;
    else if (v.file !== null && v.file.resident) out[i] = v.file.resident(v.pgoff + (va - v.start) / PAGE) ? 1 : 0;
  }
  copyOut(t.mm, vec, out);
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
  [NR.mmap]: def('mmap', 'puxxfx', mmap, 'partial', 'hostfs/tmpfs files map the page cache; procfs/sysfs files are private snapshots; MAP_HUGETLB/MAP_SYNC flags ignored'),
  [NR.munmap]: def('munmap', 'pu', munmap),
  [NR.mprotect]: def('mprotect', 'pux', mprotect),
  [NR.mremap]: def('mremap', 'puuxp', mremap, 'partial', 'old_len 0 (duplicate shared mapping) and MREMAP_DONTUNMAP are EINVAL'),
  [NR.msync]: def('msync', 'pux', msync, 'partial', 'MS_ASYNC writes back synchronously; MS_INVALIDATE is a no-op (the cache is coherent)'),
  [NR.mincore]: def('mincore', 'pup', mincore),
  [NR.madvise]: def('madvise', 'pud', madvise, 'partial', 'DONTNEED/FREE drop pages; other advice is accepted as a hint'),
};
