// Per-address-space page table: virtual page number → PTE. Two levels: a Map of
// 512-entry leaf tables. A PTE packs the frame and permissions in one int32.
export const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8;
export const PTE_FLAGS = 15;

export function pteFrame(pte: number): number { return pte >>> 4; }
export function makePte(frame: number, flags: number): number { return (frame << 4) | flags | PTE_V; }

/** User virtual addresses are below 2^38 (Sv39's user half). */
export const USER_TOP = 0x4000000000;

export class PageTable {
  readonly dirs = new Map<number, Int32Array>();

  get(vpn: number): number {
    const d = this.dirs.get(Math.floor(vpn / 512));
    return d === undefined ? 0 : d[vpn & 511];
  }

  set(vpn: number, pte: number): void {
    const k = Math.floor(vpn / 512);
    let d = this.dirs.get(k);
    if (d === undefined) { if (pte === 0) return; d = new Int32Array(512); this.dirs.set(k, d); }
    d[vpn & 511] = pte;
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
