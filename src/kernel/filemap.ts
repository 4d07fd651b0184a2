// File-backed mappings for mmap(2): the VmBacking of an fd. Regular files of filesystems
// with file data (hostfs, tmpfs) map their page cache (fs/pagecache.ts), so MAP_SHARED
// writers, readers and read(2)/write(2) see one copy. Other regular files (procfs, sysfs)
// get a private snapshot: each page is read into a fresh frame on first touch.
import type { VmBacking } from '../mm/aspace.js';
import type { PhysMem } from '../mm/phys.js';
import type { File } from '../fs/vfs/file.js';
import type { Task } from './task.js';
import { PageCache, CacheBacking, shmemBacking } from '../fs/pagecache.js';
import { EBADF, EACCES, ENODEV } from '../abi/linux/errno.js';
import { MAP_SHARED, PROT_WRITE } from '../abi/linux/mman.js';

/** A snapshot of a file without a page cache, copied in page by page. */
export class CopyBacking implements VmBacking {
  readonly name: string;
  readonly dev: number;
  readonly ino: number;
  constructor(private readonly mem: PhysMem, private readonly file: File, name: string) {
    this.name = name;
    this.dev = file.inode?.sb?.dev ?? 0;
    this.ino = file.inode?.ino ?? 0;
  }
  getPage(index: number): number {
    const f = this.mem.alloc();
    if (f < 0) return -1;
    const buf = new Uint8Array(4096);
    const n = this.file.pread(buf, index * 4096, null);
    if (n > 0) this.mem.u8.set(buf.subarray(0, n), f * 4096);
    return f;
  }
  open(): void { this.file.get(); }
  close(): void { this.file.put(); }
}

/** The VmBacking for mmap of fd in t, or -errno. */
export function fileBacking(t: Task, fd: number, prot: number, flags: number, pathOf: (f: File) => string): VmBacking | number {
  const file = t.files.get(fd);
  if (file === null) return -EBADF;
  if (!file.readable) return -EACCES;
  if ((flags & MAP_SHARED) && (prot & PROT_WRITE) && !file.writable) return -EACCES;
  const inode = file.inode;
  if (inode === null || !inode.isReg) return -ENODEV;
  const name = pathOf(file);
  if (!inode.cacheable) return new CopyBacking(t.kernel.mem, file, name);
  const cache = PageCache.of(inode, t.kernel.mem);
  // Writable shared mappings may dirty the pages they touch (mprotect may add PROT_WRITE
  // later, so the file's mode decides, not prot).
  const mayWrite = (flags & MAP_SHARED) !== 0 && file.writable;
  return new CacheBacking(cache, file, mayWrite, name, inode.sb.dev, inode.ino);
}

/** The VmBacking of a MAP_SHARED|MAP_ANONYMOUS mapping of len bytes. */
export function sharedAnonBacking(t: Task, len: number): VmBacking {
  return shmemBacking(t.kernel.mem, len);
}

/** The backing execve maps a program's segments from: the page cache, or null (copy). */
export function execBacking(mem: PhysMem, file: File, path: string): VmBacking | null {
  const inode = file.inode;
  if (inode === null || !inode.isReg || !inode.cacheable) return null;
  return new CacheBacking(PageCache.of(inode, mem), file, false, path, inode.sb.dev, inode.ino);
}
