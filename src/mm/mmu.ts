// The software MMU of one hart: page-table walk plus a direct-mapped TLB per
// access kind, so that the common load, store or fetch costs one array compare.
// A miss that the page table cannot satisfy throws FAULT with the address and kind
// recorded; the kernel (mm/aspace) decides what the fault means.
import { PhysMem, PAGE_SHIFT } from './phys.js';
import { PageTable, PTE_R, PTE_W, PTE_X, pteFrame, USER_TOP } from './pagetable.js';

export const ACC_R = 0, ACC_W = 1, ACC_X = 2;
const TLB_BITS = 8, TLB_SIZE = 1 << TLB_BITS, TLB_MASK = TLB_SIZE - 1;
/**
 * The load and store TLBs have 1,024 entries, the fetch one 256: python3's loop missed
 * 256-entry data TLBs once per ~180 instructions (4.5M misses in a 3x10^5 loop, each a
 * call from wasm into tlbImport and a page-table walk), 1,024-entry ones 11k times.
 */
const DTLB_BITS = 10, DTLB_SIZE = 1 << DTLB_BITS;
export const DTLB_MASK = DTLB_SIZE - 1;
/**
 * The TLB lives in guest memory (a hart's state slot, see PhysMem.allocSlot) so that
 * translated wasm code can read it: byte offsets of its arrays from the TLB's base.
 * Tags are f64 virtual page numbers, NaN when empty; bases are i32 physical byte addresses.
 * TLB_STAMP (f64) names this hart's current view of the page table (see Mmu.stamp).
 * TLB_RTAG32/WTAG32 repeat the read and write tags as i32 (-1 when empty; a user vpn is
 * below 2^26) for wasm code, which compares them with `va >> 12` as i64 in one compare
 * instead of converting to f64.
 */
export const TLB_RTAG = 0, TLB_WTAG = 8192, TLB_XTAG = 16384, TLB_RBASE = 18432, TLB_WBASE = 22528,
  TLB_XBASE = 26624, TLB_STAMP = 27648, TLB_RTAG32 = 27656, TLB_WTAG32 = 31752, TLB_BYTES = 35848;

/** Entries Mmu.log holds, and its mark for "overflowed: clear everything". */
const LOG_SIZE = 256, LOG_FULL = -1;

/** The last stamp handed out (a double: it never wraps). */
let stamps = 0;

/** The address space an MMU walks: it can map a page where none was without leaving the CPU (see Mmu.faultIn). */
export interface FaultIn { faultIn(va: number, kind: number): boolean; }

/** Thrown (never allocated anew) when an access needs the kernel's attention. */
export class MemFault { addr = 0; kind = 0; }
export const FAULT = new MemFault();

export class Mmu {
  // Tags are virtual page numbers (doubles, exact); NaN = empty (equal to nothing). Bases are physical byte addresses.
  readonly rTag: Float64Array;
  readonly wTag: Float64Array;
  readonly xTag: Float64Array;
  readonly rBase: Int32Array;
  readonly wBase: Int32Array;
  readonly xBase: Int32Array;
  /** The read and write tags again as i32, -1 when empty (for wasm, see TLB_RTAG32). */
  readonly rTag32: Int32Array;
  readonly wTag32: Int32Array;
  pt: PageTable | null = null;
  /** The address space of pt, which resolves not-present faults in place (see faultIn). */
  space: FaultIn | null = null;
  /** Page faults taken so far, in place (faultIn) or by the run loop (warm-up work, machine/optwarm.ts). */
  faults = 0;
  /**
   * The entries filled since the last flush, (kind << 16 | index) each, so that a flush
   * clears those instead of all 2,304: a busybox start fills ~80, and a full clear of
   * the shared memory's arrays takes ~2 µs (a fork and exit take three). LOG_FULL: more
   * were filled than the log holds, clear everything.
   */
  private readonly log = new Int32Array(LOG_SIZE);
  private logged = LOG_FULL;
  /**
   * stamp[0]: a number no other MMU or earlier view of this one ever had, renewed whenever
   * a translation may have changed (flush, flushPage, a new page table). The JIT's direct
   * links between regions (jit/wasmgen.ts) hold the stamp they were made under, so one
   * stamp compare proves the va->frame mapping they cached still holds for this hart.
   */
  readonly stamp: Float64Array;

  /** base: byte offset of the TLB in mem's memory (inside a hart's slot); a slot of its own if omitted. */
  constructor(readonly mem: PhysMem, readonly base = mem.allocSlot()) {
    const buf = mem.memory.buffer;
    this.rTag = new Float64Array(buf, base + TLB_RTAG, DTLB_SIZE);
    this.wTag = new Float64Array(buf, base + TLB_WTAG, DTLB_SIZE);
    this.xTag = new Float64Array(buf, base + TLB_XTAG, TLB_SIZE);
    this.rBase = new Int32Array(buf, base + TLB_RBASE, DTLB_SIZE);
    this.wBase = new Int32Array(buf, base + TLB_WBASE, DTLB_SIZE);
    this.xBase = new Int32Array(buf, base + TLB_XBASE, TLB_SIZE);
    this.stamp = new Float64Array(buf, base + TLB_STAMP, 1);
    this.rTag32 = new Int32Array(buf, base + TLB_RTAG32, DTLB_SIZE);
    this.wTag32 = new Int32Array(buf, base + TLB_WTAG32, DTLB_SIZE);
    this.flush();
  }

  flush(): void {
    const n = this.logged;
    if (n === LOG_FULL) {
      this.rTag.fill(NaN); this.wTag.fill(NaN); this.xTag.fill(NaN); this.rTag32.fill(-1); this.wTag32.fill(-1);
    } else {
      for (let k = 0; k < n; k++) {
        const e = this.log[k], i = e & 0xffff, kind = e >>> 16;
        if (kind === ACC_R) { this.rTag[i] = NaN; this.rTag32[i] = -1; }
        else if (kind === ACC_W) { this.wTag[i] = NaN; this.wTag32[i] = -1; }
        else this.xTag[i] = NaN;
      }
    }
    this.logged = 0;
    this.stamp[0] = ++stamps;
  }

  /** Forget the translations of one virtual page (its PTE changed). */
  flushPage(vpn: number): void {
    const i = vpn & TLB_MASK, d = vpn & DTLB_MASK;
    this.stamp[0] = ++stamps;     // even when not cached here: a link may still remember it
    if (this.rTag[d] === vpn) { this.rTag[d] = NaN; this.rTag32[d] = -1; }
    if (this.wTag[d] === vpn) { this.wTag[d] = NaN; this.wTag32[d] = -1; }
    if (this.xTag[i] === vpn) this.xTag[i] = NaN;
  }

  /** Forget every write translation (fork write-protected the private pages; reads stay valid). */
  flushWrites(): void {
    const n = this.logged;
    if (n === LOG_FULL) { this.wTag.fill(NaN); this.wTag32.fill(-1); return; }
    for (let k = 0; k < n; k++) {
      const e = this.log[k];
      if (e >>> 16 === ACC_W) { const i = e & 0xffff; this.wTag[i] = NaN; this.wTag32[i] = -1; }
    }
  }

  /** Drop write-TLB entries that point at frame f (it now holds decoded code). */
  flushWriteFrame(f: number): void {
    const base = f << PAGE_SHIFT;
    for (let i = 0; i < DTLB_SIZE; i++) if (this.wBase[i] === base) { this.wTag[i] = NaN; this.wTag32[i] = -1; }
  }

  setPageTable(pt: PageTable | null): void { this.pt = pt; this.flush(); }

  /** Translate for a load or store (through rp/wp, below). */
  r(va: number): number { return this.rp(Math.floor(va / 4096), va & 4095); }
  w(va: number): number { return this.wp(Math.floor(va / 4096), va & 4095); }
  /**
   * r() and w() for a va given as its page number and page offset, small integers below
   * USER_TOP: a call that is not inlined then passes no double, which V8 would box (a
   * heap number per stack access of the interpreter's run(), ~22 KB per busybox start).
   */
  rp(vpn: number, off: number): number {
    const i = vpn & DTLB_MASK;
    return this.rTag[i] === vpn ? this.rBase[i] + off : this.fill(vpn * 4096 + off, ACC_R);
  }
  wp(vpn: number, off: number): number {
    const i = vpn & DTLB_MASK;
    return this.wTag[i] === vpn ? this.wBase[i] + off : this.fill(vpn * 4096 + off, ACC_W);
  }
  x(va: number): number {
    const vpn = Math.floor(va / 4096);
    const i = vpn & TLB_MASK;
    return this.xTag[i] === vpn ? this.xBase[i] + (va & 4095) : this.fill(va, ACC_X);
  }

  /**
   * Page-table walk on a TLB miss, mapping a missing page in place (faultIn); throws FAULT
   * if the access still needs the kernel (no such mapping, copy-on-write, a signal).
   */
  fill(va: number, kind: number): number {
    let pte = this.probe(va, kind);
    if (pte === 0) pte = this.faultIn(va, kind);
    if (pte === 0) { FAULT.addr = va; FAULT.kind = kind; throw FAULT; }
    return this.enter(va, kind, pte);
  }

  /**
   * The PTE for an access of `kind` at va after the address space mapped a page where
   * none was (demand-zero, a file page, stack growth), or 0 when the fault needs the
   * run loop (nothing to map, a present page to copy on write, SIGSEGV or SIGBUS).
   * Mapping a new page changes no translation the TLB, a translated region or a link
   * holds, so the CPU goes on where it was instead of leaving for the kernel and back
   * (~31 faults in each busybox start).
   */
  faultIn(va: number, kind: number): number {
    if (this.space === null || !this.space.faultIn(va, kind)) return 0;
    this.faults++;
    return this.probe(va, kind);
  }

  /** Enter pte (which allows access `kind` at va, see probe) in the TLB; the physical address of va. */
  enter(va: number, kind: number, pte: number): number {
    const vpn = Math.floor(va / 4096);
    const i = vpn & TLB_MASK, d = vpn & DTLB_MASK;
    const f = pteFrame(pte);
    const base = f << PAGE_SHIFT;
    const n = this.logged;
    if (n !== LOG_FULL) {
      if (n < LOG_SIZE) { this.log[n] = (kind << 16) | (kind === ACC_X ? i : d); this.logged = n + 1; } else this.logged = LOG_FULL;
    }
    if (kind === ACC_R) { this.rTag[d] = vpn; this.rTag32[d] = vpn; this.rBase[d] = base; }
    else if (kind === ACC_W) {
      // A store to a page with decoded code invalidates that code; the store proceeds.
      if (this.mem.code[f] !== undefined) this.mem.dropCode(f);
      this.wTag[d] = vpn; this.wTag32[d] = vpn; this.wBase[d] = base;
    } else { this.xTag[i] = vpn; this.xBase[i] = base; }
    return base + (va & 4095);
  }

  /** The PTE allowing access `kind` at va, or 0. Does not touch the TLB or throw. */
  probe(va: number, kind: number): number {
    if (!(va >= 0 && va < USER_TOP) || this.pt === null) return 0;
    const pte = this.pt.get(Math.floor(va / 4096));
    const need = kind === ACC_R ? PTE_R : kind === ACC_W ? PTE_W : PTE_X;
    return (pte & need) !== 0 ? pte : 0;
  }
}
