// Per-address-space page table: virtual page number → PTE. Two levels: a Map of
// 512-entry leaf tables. A PTE packs the frame and permissions in one int32.
export const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8;
export const PTE_FLAGS = 15;

export function pteFrame(pte: number): number { return pte >>> 4; }
export function makePte(frame: number, flags: number): number { return (frame << 4) | flags | PTE_V; }

/** User virtual addresses are below 2^38 (Sv39's user half). */
export const USER_TOP = 0x4000000000;

/**
 * Leaf tables of destroyed page tables, all zero, which new ones take first: a fork and an
 * exec build ~9 of them, each a 2 KB ArrayBuffer to allocate and, later, for V8 to sweep.
 */
const spare: Int32Array[] = [];
const SPARE = 256;
const leaf = (): Int32Array => spare.pop() ?? new Int32Array(512);

export class PageTable {
  readonly dirs = new Map<number, Int32Array>();

  get(vpn: number): number {
    const d = this.dirs.get(Math.floor(vpn / 512));
    return d === undefined ? 0 : d[vpn & 511];
  }

  set(vpn: number, pte: number): void {
    const k = Math.floor(vpn / 512);
    let d = this.dirs.get(k);
    if (d === undefined) { if (pte === 0) return; d = leaf(); this.dirs.set(k, d); }
    d[vpn & 511] = pte;
  }

  /**
   * fork: copy the PTEs with vpn in [lo, hi) into `to`, taking a frame reference for
   * each (refs[frame]++) and, unless `keepW`, clearing PTE_W in both tables (copy on
   * write). Whole leaf tables at a time, without a callback per PTE.
   */
  copyRange(lo: number, hi: number, to: PageTable, refs: Int32Array, keepW: boolean): void {
    const k0 = Math.floor(lo / 512), k1 = Math.floor((hi - 1) / 512);
    if (k1 - k0 + 1 > this.dirs.size) {
      for (const k of this.dirs.keys()) if (k >= k0 && k <= k1) this.copyDir(k, lo, hi, to, refs, keepW);
      return;
    }
    for (let k = k0; k <= k1; k++) if (this.dirs.has(k)) this.copyDir(k, lo, hi, to, refs, keepW);
  }

  private copyDir(k: number, lo: number, hi: number, to: PageTable, refs: Int32Array, keepW: boolean): void {
    const d = this.dirs.get(k)!, base = k * 512;
    const a = Math.max(lo, base) - base, b = Math.min(hi, base + 512) - base;
    let cd = to.dirs.get(k);
    const mask = keepW ? -1 : ~PTE_W;
    for (let i = a; i < b; i++) {
      const pte = d[i];
      if (pte === 0) continue;
      refs[pte >>> 4]++;
      const np = pte & mask;
      d[i] = np;
      if (cd === undefined) { cd = leaf(); to.dirs.set(k, cd); }
      cd[i] = np;
    }
  }

  /** The address space is gone: drop every PTE (mem.put: its frame's reference) and hand the leaf tables back. */
  clear(mem: { put(frame: number): void }): void {
    for (const d of this.dirs.values()) {
      for (let i = 0; i < 512; i++) if (d[i] !== 0) { mem.put(d[i] >>> 4); d[i] = 0; }
      if (spare.length < SPARE) spare.push(d);
    }
    this.dirs.clear();
  }

  /** Visit every present PTE with vpn in [lo, hi). */
  forRange(lo: number, hi: number, fn: (vpn: number, pte: number) => void): void {
    if (hi - lo > this.dirs.size * 512) {
      for (const [k, d] of this.dirs) {
        const base = k * 512;
        if (base + 512 <= lo || base >= hi) continue;
        for (let i = 0; i < 512; i++) {
          const v = base + i;
          if (d[i] !== 0 && v >= lo && v < hi) fn(v, d[i]);
        }
      }
      return;
    }
    for (let v = lo; v < hi; v++) {
      const p = this.get(v);
      if (p !== 0) fn(v, p);
    }
  }
}
