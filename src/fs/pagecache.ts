// The page cache: one per inode (or per shared anonymous mapping), page index → frame.
// The cache holds one reference on each frame; MAP_SHARED mappings map those frames
// directly and MAP_PRIVATE ones map them read-only until written (aspace copies on
// write). While an inode has a cache, read(2)/write(2) go through it (InodeFile):
//   read  = the backing store's bytes, overlaid with the cached pages (authoritative);
//   write = written through to the backing store and into any cached page,
// so a page is only ever newer than the backing store after a shared writable mapping
// touched it. Such pages are "dirty" (conservatively: every page a writable shared
// mapping faulted in) and are written back on msync, fsync, close, munmap of the last
// mapping and at halt (syncAllPageCaches). Clean pages no mapping holds (refcount 1)
// are reclaimed first when physical memory runs out.
import { PAGE_SIZE, PAGE_SHIFT } from '../mm/phys.js';
import type { PhysMem } from '../mm/phys.js';
import { PAGE_SIGBUS, addReclaimer } from '../mm/aspace.js';
import type { AddressSpace, Vma, VmBacking } from '../mm/aspace.js';
import type { Inode } from './vfs/inode.js';
import type { File } from './vfs/file.js';
import { registerCkptState } from '../lib/ckptstate.js';

/** Every live cache, for reclaim and the final sync. */
const caches = new Set<PageCache>();
const reclaimInstalled = new WeakSet<PhysMem>();

export class PageCache {
  /** page index → frame (the cache's reference). */
  readonly pages = new Map<number, number>();
  /** Pages possibly newer than the backing store. */
  readonly dirty = new Set<number>();
  /** Every VMA mapping this cache, with its address space (reverse map for truncate). */
  readonly maps = new Map<Vma, AddressSpace>();
  /** Open writable files of live writable shared mappings (used for writeback). */
  readonly writers = new Set<File>();
  /** The staging buffer for backing-store I/O (node:fs wants unshared memory). */
  private static readonly io = new Uint8Array(PAGE_SIZE);

  /** inode null: shared anonymous memory (zero-filled, no backing store). */
  constructor(readonly mem: PhysMem, readonly inode: Inode | null) {
    if (inode !== null) caches.add(this);
    if (!reclaimInstalled.has(mem)) {
      reclaimInstalled.add(mem);
      addReclaimer(mem, () => reclaimPageCache(mem) > 0, true);
    }
  }

  /** The cache of inode, created on first use. */
  static of(inode: Inode, mem: PhysMem): PageCache {
    let c = inode.pageCache;
    if (c === null) { c = new PageCache(mem, inode); inode.pageCache = c; }
    return c;
  }

  get size(): number { return this.pages.size; }
  has(index: number): boolean { return this.pages.has(index); }

  /**
   * Frame of page `index` with a reference taken for the caller; -1 when out of memory
   * or on an I/O error, PAGE_SIGBUS when the page lies wholly beyond end of file.
   * `dirty`: the caller maps it writable and shared.
   */
  getPage(index: number, file: File | null, dirty: boolean): number {
    let f = this.pages.get(index);
    if (f === undefined) {
      const ino = this.inode;
      if (ino !== null && index * PAGE_SIZE >= ino.size) {
        ino.refresh();   // the host file may have grown behind our back
        if (index * PAGE_SIZE >= ino.size) return PAGE_SIGBUS;
      }
      f = this.mem.alloc();
      if (f < 0) return -1;
      if (ino !== null) {
        const io = PageCache.io;
        const n = ino.read(file, io, index * PAGE_SIZE);
        if (n < 0) { this.mem.put(f); return -1; }
        if (n > 0) this.mem.u8.set(io.subarray(0, n), f << PAGE_SHIFT);
      }
      this.pages.set(index, f);
    }
    if (dirty && this.inode !== null) this.dirty.add(index);
    this.mem.get(f);
    return f;
  }

  /** read(2) through the cache: the backing store's bytes with cached pages over them. */
  read(file: File | null, buf: Uint8Array, pos: number): number {
    const n = this.inode!.read(file, buf, pos);
    if (n > 0) this.overlay(buf, pos, n, false);
    return n;
  }

  /** write(2) through the cache: to the backing store and into the cached pages. */
  write(file: File | null, buf: Uint8Array, pos: number): number {
    const ino = this.inode!;
    ino.refresh();
    const old = ino.size;
    // Bytes a mapping left beyond the old end of file must read as zeros once the file grows.
    if (pos + buf.length > old) this.zeroFrom(old);
    const n = ino.write(file, buf, pos);
    if (n > 0) this.overlay(buf, pos, n, true);
    return n;
  }

  /** Copy between buf (file bytes [pos, pos+n)) and the cached pages: toCache or from it. */
  private overlay(buf: Uint8Array, pos: number, n: number, toCache: boolean): void {
    if (this.pages.size === 0) return;
    const u8 = this.mem.u8;
    const end = pos + n;
    for (let idx = Math.floor(pos / PAGE_SIZE); idx * PAGE_SIZE < end; idx++) {
      const f = this.pages.get(idx);
      if (f === undefined) continue;
      const s = Math.max(pos, idx * PAGE_SIZE), e = Math.min(end, (idx + 1) * PAGE_SIZE);
      const pa = (f << PAGE_SHIFT) + (s - idx * PAGE_SIZE);
      if (toCache) {
        u8.set(buf.subarray(s - pos, e - pos), pa);
        if (this.mem.code[f] !== undefined) this.mem.dropCode(f);
      } else {
        buf.set(u8.subarray(pa, pa + (e - s)), s - pos);
      }
    }
  }

  /** Zero the cached bytes from file offset `off` to the end of its page. */
  private zeroFrom(off: number): void {
    if (off % PAGE_SIZE === 0) return;
    const f = this.pages.get(Math.floor(off / PAGE_SIZE));
    if (f === undefined) return;
    this.mem.u8.fill(0, (f << PAGE_SHIFT) + (off % PAGE_SIZE), (f + 1) << PAGE_SHIFT);
    if (this.mem.code[f] !== undefined) this.mem.dropCode(f);
  }

  /**
   * The file's size changes from oldSize to newSize (truncate/ftruncate/O_TRUNC): pages
   * wholly beyond the new end leave every mapping and the cache; the tail of the page
   * holding the lower end is zeroed (so a later extension reads zeros there).
   */
  resize(oldSize: number, newSize: number): void {
    this.zeroFrom(Math.min(oldSize, newSize));
    if (newSize >= oldSize && newSize >= this.highestEnd()) return;
    const keep = Math.ceil(newSize / PAGE_SIZE);
    for (const [vma, as] of this.maps) as.zapFile(vma, keep);
    for (const [idx, f] of this.pages) {
      if (idx < keep) continue;
      this.pages.delete(idx);
      this.dirty.delete(idx);
      this.mem.put(f);
    }
  }

  private highestEnd(): number {
    let hi = 0;
    for (const idx of this.pages.keys()) hi = Math.max(hi, (idx + 1) * PAGE_SIZE);
    return hi;
  }

  /**
   * Write dirty pages back to the backing store (within the file's size). A page stays
   * dirty while a mapping still holds it (it may be written again without a fault).
   * `file`: an open file to write through if it is writable. 0 or -errno.
   */
  writeback(file: File | null = null): number {
    const ino = this.inode;
    if (ino === null || this.dirty.size === 0) return 0;
    let wf: File | null = file !== null && file.writable ? file : null;
    if (wf === null) for (const w of this.writers) { wf = w; break; }
    ino.refresh();
    const size = ino.size;
    const io = PageCache.io;
    let err = 0;
    for (const idx of [...this.dirty].sort((a, b) => a - b)) {
      const f = this.pages.get(idx);
      const len = Math.min(PAGE_SIZE, size - idx * PAGE_SIZE);
      if (f === undefined || len <= 0) { this.dirty.delete(idx); continue; }
      io.set(this.mem.u8.subarray(f << PAGE_SHIFT, (f << PAGE_SHIFT) + len));
      const n = ino.write(wf, len === PAGE_SIZE ? io : io.subarray(0, len), idx * PAGE_SIZE);
      if (n < 0) { err = n; continue; }
      if (this.mem.refs[f] === 1) this.dirty.delete(idx);
    }
    return err;
  }

  /** Drop clean pages that no mapping holds; frames freed. */
  reclaim(): number {
    if (this.inode === null) return 0;   // anonymous shared memory has nowhere else to live
    let freed = 0;
    for (const [idx, f] of this.pages) {
      if (this.mem.refs[f] !== 1 || this.dirty.has(idx)) continue;
      this.pages.delete(idx);
      this.mem.put(f);
      freed++;
    }
    this.maybeDetach();
    return freed;
  }

  /** Forget an empty, unmapped cache (read/write then go straight to the backing store). */
  maybeDetach(): void {
    if (this.pages.size !== 0 || this.maps.size !== 0 || this.writers.size !== 0) return;
    caches.delete(this);
    if (this.inode !== null && this.inode.pageCache === this) this.inode.pageCache = null;
  }

  /** Drop every page (the cache's owner is gone: shared anonymous memory unmapped). */
  dropAll(): void {
    for (const f of this.pages.values()) this.mem.put(f);
    this.pages.clear();
    this.dirty.clear();
    this.maybeDetach();
  }
}

/** Reclaim clean, unmapped page-cache pages of mem; frames freed. */
export function reclaimPageCache(mem: PhysMem): number {
  let freed = 0;
  for (const c of [...caches]) if (c.mem === mem) freed += c.reclaim();
  return freed;
}

/** Write every dirty page back (machine halt); the first error or 0. */
export function syncAllPageCaches(): number {
  let err = 0;
  for (const c of [...caches]) {
    const r = c.writeback();
    if (r < 0 && err === 0) err = r;
  }
  return err;
}

/**
 * A mapping's view of a cache (one per mmap call, shared by the VMAs it splits into and
 * by fork). It holds a reference on the file while any VMA uses it, as Linux's vm_file.
 */
export class CacheBacking implements VmBacking {
  private users = 0;
  constructor(
    readonly cache: PageCache,
    /** The mapped file (null: shared anonymous memory). */
    readonly file: File | null,
    /** A writable shared mapping: the pages it faults in may become dirty. */
    readonly mayWrite: boolean,
    readonly name: string, readonly dev: number, readonly ino: number) {}

  getPage(index: number): number { return this.cache.getPage(index, this.file, this.mayWrite); }

  peekPage(index: number): number {
    const f = this.cache.pages.get(index);
    if (f === undefined) return -1;
    this.cache.mem.get(f);
    return f;
  }

  open(as: AddressSpace, vma: Vma): void {
    if (this.users++ === 0 && this.file !== null) {
      this.file.get();
      if (this.mayWrite) this.cache.writers.add(this.file);
    }
    this.cache.maps.set(vma, as);
  }

  close(_as: AddressSpace, vma: Vma): void {
    this.cache.maps.delete(vma);
    if (--this.users !== 0) return;
    if (this.file === null) {
      if (this.cache.maps.size === 0) this.cache.dropAll();
      return;
    }
    // Write back now (munmap of the last mapping): also when another writer's pages are
    // still dirty, so nothing waits for the final sync longer than it must.
    if (this.cache.dirty.size > 0) this.cache.writeback(this.file);
    if (this.mayWrite) this.cache.writers.delete(this.file);
    const f = this.file;
    f.put();
    this.cache.maybeDetach();
  }

  sync(): number { return this.cache.writeback(this.file); }
  resident(index: number): boolean { return this.cache.has(index); }
}

let shmemIno = 1;
registerCkptState('shmem.nextIno', () => shmemIno, (v) => { shmemIno = v as number; });
/** Backing of a MAP_SHARED|MAP_ANONYMOUS mapping: zero-filled pages shared across fork. */
export function shmemBacking(mem: PhysMem, len: number): CacheBacking {
  void len;
  return new CacheBacking(new PageCache(mem, null), null, true, '/dev/zero (deleted)', 0x1, shmemIno++);
}

/** Restore: a cache rebuilt from a checkpoint joins the live set (reclaim, final sync). */
export function trackPageCache(c: PageCache): void {
  if (c.inode !== null) caches.add(c);
  if (!reclaimInstalled.has(c.mem)) {
    reclaimInstalled.add(c.mem);
    addReclaimer(c.mem, () => reclaimPageCache(c.mem) > 0, true);
  }
}
