// File-backed mappings for mmap(2), until the page cache arrives: each page is read
// from the file into a private frame on first touch. MAP_PRIVATE is exact; MAP_SHARED
// of a file is not yet coherent with write(2) or other mappings (documented as partial).
import type { VmBacking } from '../mm/aspace.js';
import type { PhysMem } from '../mm/phys.js';
import type { File } from '../fs/vfs/file.js';
import type { Task } from './task.js';
import { EBADF, EACCES, ENODEV } from '../abi/linux/errno.js';
import { MAP_SHARED, PROT_WRITE } from '../abi/linux/mman.js';

class FileBacking implements VmBacking {
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
    const view = this.mem.u8.subarray(f * 4096, f * 4096 + 4096);
    const buf = new Uint8Array(4096);
    const n = this.file.pread(buf, index * 4096, null);
    if (n > 0) view.set(buf.subarray(0, n));
    return f;
  }
}

/** The VmBacking for mmap of fd in t, or -errno. */
export function fileBacking(t: Task, fd: number, prot: number, flags: number, pathOf: (f: File) => string): VmBacking | number {
  const file = t.files.get(fd);
  if (file === null) return -EBADF;
  if (!file.readable) return -EACCES;
  if ((flags & MAP_SHARED) && (prot & PROT_WRITE) && !file.writable) return -EACCES;
  if (file.inode === null || !file.inode.isReg) return -ENODEV;
  return new FileBacking(t.kernel.mem, file, pathOf(file));
}
