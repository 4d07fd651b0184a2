// Test and benchmark scaffolding: a hart with a small address space.
import { Hart, EXIT_ECALL } from './hart.js';
import { PhysMem } from '../../mm/phys.js';
import { PageTable, makePte, PTE_R, PTE_W, PTE_X } from '../../mm/pagetable.js';
import { A } from './asm.js';
import { run } from './cpu.js';

export const CODE = 0x10000;   // 4 pages RWX
export const DATA = 0x20000;   // 4 pages RW

export class Box {
  readonly mem = new PhysMem(1 << 20);
  readonly pt = new PageTable();
  readonly h = new Hart(this.mem);
  constructor() {
    for (let i = 0; i < 4; i++) this.map(CODE + i * 4096, PTE_R | PTE_W | PTE_X);
    for (let i = 0; i < 4; i++) this.map(DATA + i * 4096, PTE_R | PTE_W);
    this.h.mmu.setPageTable(this.pt);
  }
  map(va: number, flags: number): number {
    const f = this.mem.alloc();
    this.pt.set(va / 4096, makePte(f, flags));
    this.h.mmu.flush();
    return f;
  }
  unmap(va: number): void { this.pt.set(va / 4096, 0); this.h.mmu.flush(); }
  /** Physical address of va (must be mapped). */
  pa(va: number): number {
    const pte = this.pt.get(Math.floor(va / 4096));
    if (pte === 0) throw new Error('unmapped ' + va.toString(16));
    return (pte >>> 4) * 4096 + (va & 4095);
  }
  w8(va: number, v: number): void { this.mem.u8[this.pa(va)] = v; }
  r8(va: number): number { return this.mem.u8[this.pa(va)]; }
  w16(va: number, v: number): void { this.w8(va, v & 255); this.w8(va + 1, (v >>> 8) & 255); }
  w32(va: number, v: number): void { this.w16(va, v & 0xffff); this.w16(va + 2, v >>> 16); }
  r32(va: number): number { return this.r8(va) | (this.r8(va + 1) << 8) | (this.r8(va + 2) << 16) | (this.r8(va + 3) << 24); }
  r64(va: number): bigint { return BigInt.asIntN(64, (BigInt(this.r32(va + 4)) << 32n) | BigInt(this.r32(va) >>> 0)); }
  w64(va: number, v: bigint): void { this.w32(va, Number(BigInt.asUintN(32, v))); this.w32(va + 4, Number(BigInt.asUintN(32, v >> 32n))); }
  /** Write 32-bit instructions at va (behind the decoder's back: drops decoded code). */
  load(va: number, insts: number[]): void {
    insts.forEach((w, i) => this.w32(va + 4 * i, w));
    this.mem.dropAllCode();
  }
  /** Write 16-bit parcels at va. */
  loadHalves(va: number, parcels: number[]): void {
    parcels.forEach((w, i) => this.w16(va + 2 * i, w));
    this.mem.dropAllCode();
  }
  set(i: number, v: bigint | number): void {
    const b = BigInt.asUintN(64, BigInt(v));
    this.h.x[2 * i] = Number(b & 0xffffffffn) | 0;
    this.h.x[2 * i + 1] = Number(b >> 32n) | 0;
  }
  get(i: number): bigint {
    return BigInt.asIntN(64, (BigInt(this.h.x[2 * i + 1]) << 32n) | BigInt(this.h.x[2 * i] >>> 0));
  }
  /** Load insts + ecall at CODE, run from CODE to the ecall; returns the exit code. */
  exec(insts: number[], budget = 1e6): number {
    this.load(CODE, [...insts, A.ecall()]);
    this.h.pc = CODE;
    return run(this.h, budget);
  }
  /** Like exec but asserts the program ends at its ecall. */
  ok(insts: number[]): this {
    const r = this.exec(insts);
    if (r !== EXIT_ECALL || this.h.pc !== CODE + 4 * insts.length) {
      throw new Error(`exit ${r} at pc ${this.h.pc.toString(16)} (addr ${this.h.exitAddr.toString(16)})`);
    }
    return this;
  }
}
