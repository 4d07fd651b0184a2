// The software MMU of one hart: page-table walk plus a direct-mapped TLB per
// access kind, so that the common load, store or fetch costs one array compare.
// A miss that the page table cannot satisfy throws FAULT with the address and kind
// recorded; the kernel (mm/aspace) decides what the fault means.
import { PhysMem, PAGE_SHIFT } from './phys.js';
import { PageTable, PTE_R, PTE_W, PTE_X, pteFrame, USER_TOP } from './pagetable.js';

export const ACC_R = 0, ACC_W = 1, ACC_X = 2;
const TLB_BITS = 8, TLB_SIZE = 1 << TLB_BITS, TLB_MASK = TLB_SIZE - 1;

/** Thrown (never allocated anew) when an access needs the kernel's attention. */
export class MemFault { addr = 0; kind = 0; }
export const FAULT = new MemFault();

export class Mmu {
  // Tags are virtual page numbers (doubles, exact); -1 = empty. Bases are physical byte addresses.
  readonly rTag = new Float64Array(TLB_SIZE).fill(-1);
  readonly wTag = new Float64Array(TLB_SIZE).fill(-1);
  readonly xTag = new Float64Array(TLB_SIZE).fill(-1);
  readonly rBase = new Int32Array(TLB_SIZE);
  readonly wBase = new Int32Array(TLB_SIZE);
  readonly xBase = new Int32Array(TLB_SIZE);
  pt: PageTable | null = null;

  constructor(readonly mem: PhysMem) {}

  flush(): void { this.rTag.fill(-1); this.wTag.fill(-1); this.xTag.fill(-1); }

  /** Forget the translations of one virtual page (its PTE changed). */
  flushPage(vpn: number): void {
    const i = vpn & TLB_MASK;
    if (this.rTag[i] === vpn) this.rTag[i] = -1;
    if (this.wTag[i] === vpn) this.wTag[i] = -1;
    if (this.xTag[i] === vpn) this.xTag[i] = -1;
  }

  /** Forget every write translation (fork write-protected the private pages; reads stay valid). */
  flushWrites(): void { this.wTag.fill(-1); }

  /** Drop write-TLB entries that point at frame f (it now holds decoded code). */
  flushWriteFrame(f: number): void {
    const base = f << PAGE_SHIFT;
    for (let i = 0; i < TLB_SIZE; i++) if (this.wBase[i] === base) this.wTag[i] = -1;
  }

  setPageTable(pt: PageTable | null): void { this.pt = pt; this.flush(); }

  /** Translate for a load. Hot path: inline TLB hit. */
  r(va: number): number {
    const vpn = Math.floor(va / 4096);
    const i = vpn & TLB_MASK;
    return this.rTag[i] === vpn ? this.rBase[i] + (va & 4095) : this.fill(va, ACC_R);
  }
  w(va: number): number {
    const vpn = Math.floor(va / 4096);
    const i = vpn & TLB_MASK;
    return this.wTag[i] === vpn ? this.wBase[i] + (va & 4095) : this.fill(va, ACC_W);
  }
  x(va: number): number {
    const vpn = Math.floor(va / 4096);
    const i = vpn & TLB_MASK;
    return this.xTag[i] === vpn ? this.xBase[i] + (va & 4095) : this.fill(va, ACC_X);
  }

  /** Page-table walk on a TLB miss; throws FAULT if the PTE is absent or forbids the access. */
  fill(va: number, kind: number): number {
    const pte = this.probe(va, kind);
    if (pte === 0) { FAULT.addr = va; FAULT.kind = kind; throw FAULT; }
    const vpn = Math.floor(va / 4096);
    const i = vpn & TLB_MASK;
    const f = pteFrame(pte);
    const base = f << PAGE_SHIFT;
    if (kind === ACC_R) { this.rTag[i] = vpn; this.rBase[i] = base; }
    else if (kind === ACC_W) {
      // A store to a page with decoded code invalidates that code; the store proceeds.
      if (this.mem.code[f] !== undefined) this.mem.dropCode(f);
      this.wTag[i] = vpn; this.wBase[i] = base;
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
