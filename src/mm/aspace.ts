// An address space: the VMAs (what the process asked for) and the page table (what is
// mapped now). Pages are filled on demand; fork shares anonymous pages copy-on-write.
// File-backed VMAs reach their pages through VmBacking, which fs/ implements.
import { PhysMem, PAGE_SIZE } from './phys.js';
import { PageTable, PTE_R, PTE_W, PTE_X, makePte, pteFrame, USER_TOP } from './pagetable.js';
import { Mmu, ACC_R, ACC_W, ACC_X, type FaultIn } from './mmu.js';
import { PROT_READ, PROT_WRITE, PROT_EXEC, MAP_SHARED, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN } from '../abi/linux/mman.js';
import { ENOMEM, EEXIST, EINVAL, EACCES, EFAULT as EFAULT_ } from '../abi/linux/errno.js';

/** getPage's answer for a page wholly beyond the end of the file (the fault raises SIGBUS). */
export const PAGE_SIGBUS = -2;

/** A file's pages as seen by a mapping (implemented by the page cache in fs/). */
export interface VmBacking {
  /**
   * Frame holding page `index` of the file, with a reference taken for the caller;
   * -1 on failure (out of memory, I/O error), PAGE_SIGBUS beyond the end of the file.
   */
  getPage(index: number): number;
  /** A VMA starts using this backing (mmap, a split, fork): like vm_ops->open. */
  open?(as: AddressSpace, vma: Vma): void;
  /** A VMA stops using it (munmap, a split, exit); its pages are already released. */
  close?(as: AddressSpace, vma: Vma): void;
  /** msync: write dirty pages back to the file; 0 or -errno. */
  sync?(): number;
  /** mincore: is page `index` resident (in the page cache)? */
  resident?(index: number): boolean;
  /** Frame of page `index` with a reference taken if it is resident (no I/O), else -1 (fault-around). */
  peekPage?(index: number): number;
  /** false: a MAP_SHARED mapping of a file not open for writing (mprotect refuses PROT_WRITE). */
  readonly mayWrite?: boolean;
  /** Name for /proc/PID/maps. */
  readonly name: string;
  /** Device and inode numbers for /proc/PID/maps. */
  readonly dev: number;
  readonly ino: number;
}

export class Vma {
  constructor(
    public start: number, public end: number, public prot: number, public flags: number,
    public file: VmBacking | null, public pgoff: number, public name = '') {}
}

/** Where mmap places mappings without a hint, growing down (Linux's top-down layout). */
export const MMAP_BASE = 0x3f00000000;
export const STACK_TOP = 0x3ffffff000;
/** Pages mapped around a file-page fault (fault_around_bytes = 64 KiB). */
const FAULT_AROUND = 16;
/**
 * The widest fault-around window: one page table's worth (2 MiB), the most Linux allows
 * (fault_around_bytes). A fault costs tuml microseconds and mapping a cached page tens of
 * nanoseconds, so a window whose pages are all cached widens up to this (see faultAround).
 */
const FAULT_AROUND_MAX = 512;
/** Lowest address mmap may use (vm.mmap_min_addr). */
export const MMAP_MIN = 0x10000;

function pageUp(x: number): number { return Math.ceil(x / PAGE_SIZE) * PAGE_SIZE; }

/** Pages up to which a range's TLB entries are dropped one by one (see flushRange). */
const FLUSH_PAGES = 32;

export class AddressSpace implements FaultIn {
  readonly pt = new PageTable();
  vmas: Vma[] = [];            // sorted by start, non-overlapping
  readonly mmus = new Set<Mmu>();
  brkStart = 0;
  brk = 0;
  stackLimit = 8 * 1024 * 1024;
  /** Accounting for OOM decisions and /proc: pages currently mapped. */
  rss = 0;
  /** Fields of /proc/PID/stat and auxv bookkeeping. */
  startCode = 0; endCode = 0; startData = 0; startStack = 0;
  argStart = 0; argEnd = 0; envStart = 0; envEnd = 0;
  /** Users of this address space (threads); freed when it drops to 0. */
  users = 1;
  /**
   * Set by fault() when it failed because a file page lies beyond the end of the file:
   * the access must raise SIGBUS (BUS_ADRERR) rather than SIGSEGV.
   */
  faultSigbus = false;

  constructor(readonly mem: PhysMem) {}

  attach(m: Mmu): void { this.mmus.add(m); m.setPageTable(this.pt); m.space = this; }
  detach(m: Mmu): void { this.mmus.delete(m); if (m.pt === this.pt) { m.setPageTable(null); m.space = null; } }
  private flushTlbs(): void { for (const m of this.mmus) m.flush(); }
  /**
   * Forget the translations of [start, end) (byte addresses): page by page when the range
   * is small (an mprotect of a library's RELRO, a munmap), so the rest of the TLB stays
   * filled; the whole TLB otherwise.
   */
  private flushRange(start: number, end: number): void {
    const lo = Math.floor(start / PAGE_SIZE), hi = Math.ceil(end / PAGE_SIZE);
    if (hi - lo > FLUSH_PAGES) { this.flushTlbs(); return; }
    for (const m of this.mmus) for (let v = lo; v < hi; v++) m.flushPage(v);
  }
  private flushPage(vpn: number): void { for (const m of this.mmus) m.flushPage(vpn); }

  find(va: number): Vma | null {
    const v = this.vmas;
    let lo = 0, hi = v.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = v[mid];
      if (va < m.start) hi = mid - 1;
      else if (va >= m.end) lo = mid + 1;
      else return m;
    }
    return null;
  }

  /**
   * A fault the MMU may resolve without leaving the CPU (Mmu.faultIn): one that maps a page
   * where none was. Copy-on-write moves a page to another frame under the CPU's cached
   * translations, so that and everything else (false) is left to the run loop.
   */
  faultIn(va: number, kind: number): boolean {
    return va >= 0 && va < USER_TOP && this.pt.get(Math.floor(va / PAGE_SIZE)) === 0 && this.fault(va, kind);
  }

  /**
   * Resolve a fault at va for an access of `kind` (ACC_*): demand-zero, file page,
   * copy-on-write, or stack growth. Returns true if the access may now proceed.
   */
  fault(va: number, kind: number): boolean {
    this.faultSigbus = false;
    if (!(va >= 0 && va < USER_TOP)) return false;
    let vma = this.find(va);
    if (vma === null) vma = this.growStack(va);
    if (vma === null) return false;
    const need = kind === ACC_R ? PROT_READ : kind === ACC_W ? PROT_WRITE : PROT_EXEC;
    if ((vma.prot & need) === 0) return false;
    const vpn = Math.floor(va / PAGE_SIZE);
    const pte = this.pt.get(vpn);
    const flags = protToPte(vma.prot);
    if (pte !== 0) {
      if (kind !== ACC_W || (pte & PTE_W) !== 0) {
        // Present and allowed already (a stale TLB); refresh permissions.
        this.pt.set(vpn, makePte(pteFrame(pte), flags & (pte | ~PTE_W)));
        return true;
      }
      // Write to a present read-only page of a writable VMA: copy-on-write.
      const f = pteFrame(pte);
      if ((vma.flags & MAP_SHARED) === 0 && this.mem.refs[f] > 1) {
        const nf = this.allocFrame(false);
        if (nf < 0) return false;
        this.mem.copyFrame(nf, f);
        this.mem.put(f);
        this.pt.set(vpn, makePte(nf, flags));
      } else {
        this.pt.set(vpn, makePte(f, flags));
        if ((vma.flags & MAP_SHARED) === 0) this.reuseAround(vma, vpn, flags);
      }
      this.flushPage(vpn);
      return true;
    }
    let f: number;
    if (vma.file !== null) {
      const idx = vma.pgoff + (vpn - vma.start / PAGE_SIZE);
      const pf = vma.file.getPage(idx);
      if (pf < 0) { if (pf === PAGE_SIGBUS) this.faultSigbus = true; return false; }
      if ((vma.flags & MAP_SHARED) !== 0) {
        f = pf;
        this.pt.set(vpn, makePte(f, flags));
      } else if (kind === ACC_W) {
        f = this.allocFrame(false);
        if (f < 0) { this.mem.put(pf); return false; }
        this.mem.copyFrame(f, pf);
        this.mem.put(pf);
        this.pt.set(vpn, makePte(f, flags));
      } else {
        // Private file page mapped read-only until written (then copied).
        f = pf;
        this.pt.set(vpn, makePte(f, flags & ~PTE_W));
        this.faultAround(vma, vpn, flags & ~PTE_W);
      }
    } else {
      f = this.allocFrame(true);
      if (f < 0) return false;
      this.pt.set(vpn, makePte(f, flags));
    }
    this.rss++;
    return true;
  }

  /**
   * Map the neighbours of a read or exec fault in a private file mapping that are already
   * in the page cache, read-only (a write still copies), in the aligned 64 KiB window
   * around it as Linux's fault_around_bytes: a program's start-up then takes a few
   * faults instead of one per page. A window found wholly cached doubles, up to
   * FAULT_AROUND_MAX: a program run again (a fork+exec loop's busybox) maps its text in
   * a fault or two, while a file still being read in (a first start) keeps the 64 KiB.
   */
  private faultAround(vma: Vma, vpn: number, flags: number): void {
    const b = vma.file;
    if (b === null || b.peekPage === undefined) return;
    const first = vma.start / PAGE_SIZE, last = vma.end / PAGE_SIZE;
    for (let size = FAULT_AROUND; ; size *= 2) {
      const lo = Math.max(first, vpn - (vpn % size)), hi = Math.min(last, vpn - (vpn % size) + size);
      let whole = true;
      for (let v = lo; v < hi; v++) {
        if (v === vpn || this.pt.get(v) !== 0) continue;
        const f = b.peekPage(vma.pgoff + (v - first));
        if (f < 0) { whole = false; continue; }
        this.pt.set(v, makePte(f, flags));
        this.rss++;
      }
      if (!whole || size >= FAULT_AROUND_MAX || (lo === first && hi === last)) return;
    }
  }

  /**
   * A write fault found its private page exclusive (one reference: the fork child has
   * since exec'd or exited) and made it writable again; do the same for the exclusive
   * write-protected neighbours in the 64 KiB window, each a fault saved. No TLB holds a
   * write entry for them (their PTEs had no PTE_W), so none is flushed.
   */
  private reuseAround(vma: Vma, vpn: number, flags: number): void {
    const refs = this.mem.refs;
    const lo = Math.max(vma.start / PAGE_SIZE, vpn - (vpn % FAULT_AROUND));
    const hi = Math.min(vma.end / PAGE_SIZE, lo + FAULT_AROUND);
    for (let v = lo; v < hi; v++) {
      const p = this.pt.get(v);
      if (p === 0 || (p & PTE_W) !== 0 || refs[pteFrame(p)] !== 1) continue;
      this.pt.set(v, makePte(pteFrame(p), flags));
    }
  }

  /**
   * Allocate a frame, zeroed or (for a copy that overwrites it) not; on exhaustion the
   * PhysMem reclaim hook may free memory (OOM).
   */
  private allocFrame(zero: boolean): number {
    const f = zero ? this.mem.alloc() : this.mem.allocUninit();
    // The OOM killer may have chosen this very address space while we waited.
    if (f >= 0 && this.dead) { this.mem.put(f); return -1; }
    return f;
  }
  /** Set by destroy(): no page may be mapped any more. */
  dead = false;

  private growStack(va: number): Vma | null {
    // Find the VMA just above va with MAP_GROWSDOWN and extend it within the stack limit.
    for (const v of this.vmas) {
      if (v.start > va) {
        if ((v.flags & MAP_GROWSDOWN) === 0) return null;
        const ns = Math.floor(va / PAGE_SIZE) * PAGE_SIZE;
        if (v.end - ns > this.stackLimit) return null;
        const i = this.vmas.indexOf(v);
        if (i > 0 && this.vmas[i - 1].end > ns - PAGE_SIZE) return null; // keep a guard gap
        v.start = ns;
        return v;
      }
    }
    return null;
  }

  /** Physical address for a kernel (usercopy) access, faulting in as needed; -1 if not allowed. */
  translate(va: number, kind: number): number {
    if (!(va >= 0 && va < USER_TOP)) return -1;
    const vpn = Math.floor(va / PAGE_SIZE);
    let pte = this.pt.get(vpn);
    const need = kind === ACC_R ? PTE_R : kind === ACC_W ? PTE_W : PTE_X;
    if ((pte & need) === 0) {
      if (!this.fault(va, kind)) return -1;
      pte = this.pt.get(vpn);
      if (kind === ACC_W) {
        const f = pteFrame(pte);
        if (this.mem.code[f] !== undefined) this.mem.dropCode(f);
      }
    } else if (kind === ACC_W) {
      const f = pteFrame(pte);
      if (this.mem.code[f] !== undefined) this.mem.dropCode(f);
    }
    return pteFrame(pte) * PAGE_SIZE + (va & 4095);
  }

  /** Insert a VMA (the range must be free), merging nothing; keeps the list sorted. */
  private insert(v: Vma): void {
    let i = 0;
    while (i < this.vmas.length && this.vmas[i].start < v.start) i++;
    this.vmas.splice(i, 0, v);
  }

  /** Is [start, end) free of VMAs? */
  isFree(start: number, end: number): boolean {
    for (const v of this.vmas) if (v.start < end && v.end > start) return false;
    return true;
  }

  /** Find a free range of len bytes, top-down below MMAP_BASE (or at/above a hint). */
  findFree(len: number, hint: number): number {
    if (hint !== 0) {
      const h = pageUp(hint);
      if (h >= MMAP_MIN && h + len <= MMAP_BASE && this.isFree(h, h + len)) return h;
    }
    let top = MMAP_BASE;
    for (let i = this.vmas.length - 1; i >= 0; i--) {
      const v = this.vmas[i];
      if (v.start >= top) continue;
      if (v.end <= top - len) {
        // gap [v.end, top) is large enough
        return top - len;
      }
      top = Math.min(top, v.start);
    }
    return top - len >= MMAP_MIN ? top - len : -ENOMEM;
  }

  /**
   * Map len bytes. Returns the address or -errno. addr/len/pgoff are validated by the caller
   * (sys_mmap) except for placement rules.
   */
  mmap(addr: number, len: number, prot: number, flags: number, file: VmBacking | null, pgoff: number, name = ''): number {
    len = pageUp(len);
    if (len === 0) return -EINVAL;
    let start: number;
    if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0) {
      if (addr % PAGE_SIZE !== 0) return -EINVAL;
      if (addr < MMAP_MIN || addr + len > USER_TOP) return -ENOMEM;
      if ((flags & MAP_FIXED_NOREPLACE) !== 0 && !this.isFree(addr, addr + len)) return -EEXIST;
      this.unmap(addr, len);
      start = addr;
    } else {
      start = this.findFree(len, addr);
      if (start < 0) return start;
    }
    const v = new Vma(start, start + len, prot, flags, file, pgoff, name);
    this.insert(v);
    file?.open?.(this, v);
    return start;
  }

  /** Remove mappings in [addr, addr+len), splitting VMAs at the edges. */
  unmap(addr: number, len: number): void {
    const end = addr + pageUp(len);
    const out: Vma[] = [];
    let changed = false;
    for (const v of this.vmas) {
      if (v.end <= addr || v.start >= end) { out.push(v); continue; }
      changed = true;
      const pieces: Vma[] = [];
      if (v.start < addr) pieces.push(new Vma(v.start, addr, v.prot, v.flags, v.file, v.pgoff, v.name));
      if (v.end > end) {
        pieces.push(new Vma(end, v.end, v.prot, v.flags, v.file, v.pgoff + (end - v.start) / PAGE_SIZE, v.name));
      }
      out.push(...pieces);
      this.dropPages(Math.max(v.start, addr), Math.min(v.end, end));
      this.replaced(v, pieces);
    }
    if (changed) { this.vmas = out; this.flushRange(addr, end); }
  }

  /** Tell a file backing that `old` gave way to `pieces` (open the new ones first). */
  private replaced(old: Vma, pieces: Vma[]): void {
    const b = old.file;
    if (b === null) return;
    if (b.open) for (const p of pieces) b.open(this, p);
    b.close?.(this, old);
  }

  /**
   * Unmap the pages of file-backed `vma` from file page `fromIndex` on (truncate: the
   * page cache zaps every mapping of the pages it drops, private copies included).
   */
  zapFile(vma: Vma, fromIndex: number): void {
    const s = Math.max(vma.start, vma.start + (fromIndex - vma.pgoff) * PAGE_SIZE);
    if (s >= vma.end) return;
    this.dropPages(s, vma.end);
    this.flushTlbs();
  }

  /** Release frames mapped in [start, end). */
  dropPages(start: number, end: number): void {
    this.pt.forRange(start / PAGE_SIZE, end / PAGE_SIZE, (vpn, pte) => {
      this.mem.put(pteFrame(pte));
      this.pt.set(vpn, 0);
      this.rss--;
    });
  }

  /**
   * mremap: resize the mapping at [addr, addr+oldLen). Grows in place when the pages
   * above are free, else moves (MREMAP_MAYMOVE) by carrying the PTEs. Returns the
   * address or -errno.
   */
  mremap(addr: number, oldLen: number, newLen: number, mayMove: boolean, fixedAt: number): number {
    oldLen = pageUp(oldLen); newLen = pageUp(newLen);
    const v = this.find(addr);
    if (v === null || addr + oldLen > v.end) return -EFAULT_;
    if (fixedAt < 0 && newLen <= oldLen) {
      if (newLen < oldLen) this.unmap(addr + newLen, oldLen - newLen);
      return addr;
    }
    const canGrow = addr + oldLen === v.end && this.isFree(v.end, addr + newLen) && addr + newLen <= MMAP_BASE;
    if (fixedAt < 0 && canGrow) { v.end = addr + newLen; return addr; }
    if (!mayMove) return -ENOMEM;
    const dst = fixedAt >= 0 ? fixedAt : this.findFree(newLen, 0);
    if (dst < 0) return dst;
    if (fixedAt >= 0) this.unmap(dst, newLen);
    // Carry the pages of [addr, addr+min(old,new)) to dst.
    const keep = Math.min(oldLen, newLen);
    const moved: [number, number][] = [];
    this.pt.forRange(addr / PAGE_SIZE, (addr + keep) / PAGE_SIZE, (vpn, pte) => { moved.push([vpn, pte]); this.pt.set(vpn, 0); });
    const nv = new Vma(dst, dst + newLen, v.prot, v.flags, v.file, v.pgoff + (addr - v.start) / PAGE_SIZE, v.name);
    nv.file?.open?.(this, nv);   // before unmap closes the old VMA (keeps the backing alive)
    const rssBefore = this.rss;
    this.unmap(addr, oldLen);
    this.rss = rssBefore;
    this.insert(nv);
    const delta = (dst - addr) / PAGE_SIZE;
    for (const [vpn, pte] of moved) this.pt.set(vpn + delta, pte);
    this.flushTlbs();
    return dst;
  }

  /** Change protection on [addr, addr+len); -ENOMEM if part of the range is unmapped. */
  mprotect(addr: number, len: number, prot: number): number {
    const end = addr + pageUp(len);
    for (let a = addr; a < end;) {
      const v = this.find(a);
      if (v === null) return -ENOMEM;
      if ((prot & PROT_WRITE) && (v.flags & MAP_SHARED) && v.file !== null && v.file.mayWrite === false) return -EACCES;
      a = v.end;
    }
    const out: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= addr || v.start >= end) { out.push(v); continue; }
      const pieces: Vma[] = [];
      if (v.start < addr) pieces.push(new Vma(v.start, addr, v.prot, v.flags, v.file, v.pgoff, v.name));
      const s = Math.max(v.start, addr), e = Math.min(v.end, end);
      pieces.push(new Vma(s, e, prot, v.flags, v.file, v.pgoff + (s - v.start) / PAGE_SIZE, v.name));
      if (v.end > end) pieces.push(new Vma(end, v.end, v.prot, v.flags, v.file, v.pgoff + (end - v.start) / PAGE_SIZE, v.name));
      out.push(...pieces);
      this.replaced(v, pieces);
      // Present PTEs take the new permissions; write access of private pages stays
      // off where the frame is shared, so COW still happens on the next write.
      const pflags = protToPte(prot);
      const shared = (v.flags & MAP_SHARED) !== 0;
      this.pt.forRange(s / PAGE_SIZE, e / PAGE_SIZE, (vpn, pte) => {
        const f = pteFrame(pte);
        const fl = (!shared && this.mem.refs[f] > 1) ? pflags & ~PTE_W : pflags;
        this.pt.set(vpn, fl === 0 ? makePte(f, 0) : makePte(f, fl));
      });
    }
    this.vmas = out;
    this.flushRange(addr, end);
    return 0;
  }

  /** Set the program break; returns the new (or unchanged) break as Linux's brk does. */
  setBrk(nb: number): number {
    if (nb < this.brkStart) return this.brk;
    const oldEnd = pageUp(this.brk), newEnd = pageUp(nb);
    if (newEnd > oldEnd) {
      if (!this.isFree(oldEnd, newEnd)) return this.brk;
      const heap = this.vmas.find((v) => v.name === '[heap]' && v.end === oldEnd);
      if (heap) heap.end = newEnd;
      else this.insert(new Vma(oldEnd, newEnd, PROT_READ | PROT_WRITE, 0x22, null, 0, '[heap]'));
    } else if (newEnd < oldEnd) {
      this.unmap(newEnd, oldEnd - newEnd);
    }
    this.brk = nb;
    return nb;
  }

  /** fork: a copy-on-write duplicate. Shared mappings share frames; private ones lose W. */
  fork(): AddressSpace {
    const c = new AddressSpace(this.mem);
    c.brkStart = this.brkStart; c.brk = this.brk; c.stackLimit = this.stackLimit; c.rss = this.rss;
    c.startCode = this.startCode; c.endCode = this.endCode; c.startData = this.startData;
    c.startStack = this.startStack; c.argStart = this.argStart; c.argEnd = this.argEnd;
    c.envStart = this.envStart; c.envEnd = this.envEnd;
    for (const v of this.vmas) {
      const cv = new Vma(v.start, v.end, v.prot, v.flags, v.file, v.pgoff, v.name);
      c.vmas.push(cv);
      cv.file?.open?.(c, cv);
      this.pt.copyRange(v.start / PAGE_SIZE, v.end / PAGE_SIZE, c.pt, this.mem.refs, (v.flags & MAP_SHARED) !== 0);
    }
    // Only write access changed (private pages lost PTE_W); read and fetch
    // translations still name the same frames.
    for (const m of this.mmus) m.flushWrites();
    return c;
  }

  /** Drop every mapping (exit or exec). */
  destroy(): void {
    this.dead = true;
    const old = this.vmas;
    this.vmas = [];
    // Every mapped page lies in a VMA: drop them all at once, then close the files.
    this.pt.clear(this.mem);
    for (const v of old) v.file?.close?.(this, v);
    this.rss = 0;
    this.flushTlbs();
  }
}

/**
 * Add a memory reclaimer to mem's allocation-failure hook, keeping those already there:
 * `first` runs it before them (the page cache goes before the OOM killer). A reclaimer
 * returns true when it freed at least one frame.
 */
export function addReclaimer(mem: PhysMem, fn: () => boolean, first = false): void {
  const prev = mem.reclaim;
  if (prev === null) mem.reclaim = fn;
  else mem.reclaim = first ? () => fn() || prev() : () => prev() || fn();
}

export function protToPte(prot: number): number {
  return ((prot & PROT_READ) ? PTE_R : 0) | ((prot & PROT_WRITE) ? PTE_W : 0) | ((prot & PROT_EXEC) ? PTE_X : 0);
}
