// The JIT's dispatcher: runs a hart like cpu.run(), executing translated regions
// (see compile.ts) where they exist and the interpreter elsewhere.
//
// Translations belong to physical frames, beside the frame's decoded-instruction cache
// (PhysMem.code): a JitPage is valid exactly as long as the Int32Array it was made from
// is still mem.code[f]. Everything that invalidates decoded code — a store to the frame
// (the MMU drops the code on the first write through a fresh TLB entry), the kernel
// writing it (usercopy, the page cache), the frame being freed, fence.i — therefore
// invalidates its translations too. Because every entry into translated code first
// translates pc through the hart's execute TLB, munmap, mprotect and execve (which flush
// the TLB or replace the page table) need nothing more: a region runs only while its
// page is mapped executable at that address. Processes that map the same file page (the
// same binary, a shared library, across fork and exec) share the frame and so share its
// translations.
//
// Cold code runs in the interpreter one basic block at a time (run(h, blockLength)),
// so that every dispatch lands on a block start, where hits are counted. A block start
// reached HOT times becomes the entry of a new region; later entries at any block of an
// existing region enter it there.
import { Hart, EXIT_BUDGET, EXIT_FAULT } from '../hart.js';
import { run } from '../cpu.js';
import { FAULT, ACC_X } from '../../../mm/mmu.js';
import { PhysMem } from '../../../mm/phys.js';
import { PAGE_SLOTS_WORDS } from '../decode.js';
import { JitCtx } from './ctx.js';
import { Region, PageRef, compileRegion, scanBlock } from './compile.js';
import { pteFrame } from '../../../mm/pagetable.js';

/** Dispatches at a block start before it is translated. */
export let HOT = 50;
export function setHot(n: number): void { HOT = n; }
/** A region is judged after this many calls; it must retire MIN_PER_CALL instructions per call on average. */
const PROBATION = 2048, MIN_PER_CALL = 40;
/** Interpreter run length where a dropped region was. */
const COLD_RUN = 512;

class JitPage {
  /** Region containing the block starting at each 2-byte offset. */
  readonly regions: (Region | undefined)[] = new Array(2048);
  /** Cold dispatch count per block start (saturating). */
  readonly hits = new Uint8Array(2048);
  /** 1 + the length of the translatable block at each offset; 0 = not scanned yet. */
  readonly blen = new Uint16Array(2048);
  /** 1: a region entered here was dropped (see PROBATION); interpret in runs of COLD_RUN. */
  readonly cold = new Uint8Array(2048);
  constructor(readonly code: Int32Array) {}
}

/** JIT state of one guest physical memory (shared by every hart on it). */
export class JitMem {
  enabled = true;
  readonly pages: (JitPage | undefined)[];
  /** Statistics. */
  regions = 0;
  dropped = 0;
  translatedInsts = 0;
  constructor(readonly mem: PhysMem) { this.pages = new Array(mem.nframes); }
}

const mems = new WeakMap<PhysMem, JitMem>();
export function jitMem(mem: PhysMem): JitMem {
  let j = mems.get(mem);
  if (j === undefined) { j = new JitMem(mem); mems.set(mem, j); }
  return j;
}
/** Turn translation on or off for every hart on this memory (the `jit=` option). */
export function setJit(mem: PhysMem, on: boolean): void { jitMem(mem).enabled = on; }

const ctxs = new WeakMap<Hart, JitCtx>();
function ctxOf(h: Hart): JitCtx {
  let c = ctxs.get(h);
  if (c === undefined) { c = new JitCtx(h); ctxs.set(h, c); }
  return c;
}

/** The JitPage for frame f, creating the frame's decoded-code array if needed. */
function pageOf(h: Hart, jm: JitMem, f: number): JitPage {
  const mem = h.mem;
  let code = mem.code[f];
  if (code === undefined) {
    code = new Int32Array(PAGE_SLOTS_WORDS);
    mem.code[f] = code;
    mem.codeFrames++;
    h.mmu.flushWriteFrame(f);
  }
  let jp = jm.pages[f];
  if (jp === undefined || jp.code !== code) { jp = new JitPage(code); jm.pages[f] = jp; }
  return jp;
}

/** The frame mapped executable at page va and its code, for a region reaching into it; or null. */
function neighbour(h: Hart, jm: JitMem, va: number): PageRef | null {
  const pte = h.mmu.probe(va, ACC_X);
  if (pte === 0) return null;
  const f = pteFrame(pte);
  return { frame: f, code: pageOf(h, jm, f).code };
}

/** Run up to `budget` instructions, translated where hot; returns an EXIT_* reason like cpu.run. */
export function runHart(h: Hart, budget: number): number {
  const jm = jitMem(h.mem);
  if (!jm.enabled) return run(h, budget);
  const c = ctxOf(h);
  const mem = h.mem, mmu = h.mmu, xTag = mmu.xTag, xBase = mmu.xBase, u16 = mem.u16;
  let n = budget;
  try {
    while (n > 0) {
      if (c.interp !== 0) {
        c.interp = 0;
        const before = h.instret;
        const r = run(h, 1);
        n -= h.instret - before;
        if (r !== EXIT_BUDGET) return r;
        continue;
      }
      const pc = h.pc;
      const vpn = Math.floor(pc / 4096), ti = vpn & 255;
      const p = xTag[ti] === vpn ? xBase[ti] + (pc & 4095) : mmu.fill(pc, ACC_X);
      const f = p >>> 12, off = p & 4095;
      const code = mem.code[f];
      let jp = jm.pages[f];
      if (code === undefined || jp === undefined || jp.code !== code) jp = pageOf(h, jm, f);
      const slot = off >>> 1;
      const rg = jp.regions[slot];
      if (rg !== undefined) {
        const left = rg.fn(c, pc - off, n, off);
        if (left !== n) {
          if (++rg.calls === PROBATION) {
            // Code that leaves its region every few instructions (an interpreter's
            // computed-goto dispatch, say) pays more for entry and exit than it gains:
            // give it back to the interpreter, in longer runs.
            if (rg.retired < PROBATION * MIN_PER_CALL) {
              for (const s of rg.starts) if (jp.regions[s >>> 1] === rg) { jp.regions[s >>> 1] = undefined; jp.cold[s >>> 1] = 1; }
              jm.dropped++;
            }
          } else rg.retired += n - left;
          h.instret += n - left;
          n = left;
          h.pc = c.pc;
          continue;
        }
        // The budget left is shorter than the block: finish the slice in the interpreter.
        const before = h.instret;
        const r = run(h, n);
        n -= h.instret - before;
        if (r !== EXIT_BUDGET) return r;
        continue;
      }
      let bl = jp.blen[slot];
      if (bl === 0) { bl = scanBlock(u16, jp.code, f, off).length + 1; jp.blen[slot] = bl; }
      if (jp.cold[slot] !== 0) {
        const before = h.instret;
        const r = run(h, n < COLD_RUN ? n : COLD_RUN);
        n -= h.instret - before;
        if (r !== EXIT_BUDGET) return r;
        continue;
      }
      if (bl > 1 && ++jp.hits[slot] >= HOT) {
        const pageVa = pc - off;
        const region = compileRegion(u16, [neighbour(h, jm, pageVa - 4096), { frame: f, code: jp.code }, neighbour(h, jm, pageVa + 4096)], off);
        if (region !== null) {
          jm.regions++;
          jm.translatedInsts += region.ninsts;
          for (const s of region.starts) if (jp.regions[s >>> 1] === undefined) jp.regions[s >>> 1] = region;
          continue;
        }
        jp.hits[slot] = 0;
      }
      const k = bl > 1 && bl - 1 < n ? bl - 1 : bl > 1 ? n : 1;
      const before = h.instret;
      const r = run(h, k);
      n -= h.instret - before;
      if (r !== EXIT_BUDGET) return r;
    }
  } catch (e) {
    // Only the dispatcher's fetch translation throws: translated code leaves its region
    // before any access that could fault, and the interpreter catches its own faults.
    if (e !== FAULT) throw e;
    h.exitAddr = FAULT.addr; h.exitKind = FAULT.kind;
    return EXIT_FAULT;
  }
  return EXIT_BUDGET;
}
