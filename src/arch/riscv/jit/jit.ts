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
// Cold code runs in the interpreter in long runs: run(h, n, HOT) counts taken jumps per
// target and stops at a target that reached HOT (EXIT_HOT), which becomes the entry of a
// new region; the instruction at every block start of a region is marked Op.JIT_ENTRY
// in the decoded cache, so the interpreter stops there (EXIT_JIT) and the dispatcher
// enters the region. Marks vanish with the decoded code, so they never outlive a region.
import { Hart, EXIT_BUDGET, EXIT_FAULT, EXIT_JIT, EXIT_HOT } from '../hart.js';
import { run, bump, hotReset } from '../cpu.js';
import { FAULT, ACC_X } from '../../../mm/mmu.js';
import { PhysMem } from '../../../mm/phys.js';
import { Op, PAGE_SLOTS_WORDS } from '../decode.js';
import { JitCtx } from './ctx.js';
import { Region, PageRef, compileRegion } from './compile.js';
import { pteFrame } from '../../../mm/pagetable.js';

/** Taken jumps to a target before a region is translated there (at most 65535). */
export let HOT = 64;
export function setHot(n: number): void { HOT = Math.max(1, Math.min(65535, n)); }
/** A region is judged after this many calls; it must retire MIN_PER_CALL instructions per call on average. */
const PROBATION = 2048, MIN_PER_CALL = 40;
/**
 * Translation budget: V8 spends tens of milliseconds optimizing each region, which
 * code with few hot loops (sha256, gzip, CoreMark) repays at once and code with
 * hundreds of them (CPython's eval loop) never does. So each memory may translate
 * BURST regions at once and then one more per EARN instructions retired.
 */
const BURST = 24, EARN = 40e6;

class JitPage {
  /** Region entered at the block starting at each 2-byte offset (that instruction is marked Op.JIT_ENTRY). */
  readonly regions: (Region | undefined)[] = new Array(2048);
  /** The decoded op under each mark. */
  readonly orig = new Int8Array(2048);
  /** 1: do not translate a region entered here (dropped, see PROBATION, or untranslatable). */
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
  /** Dispatcher counters: region calls, single steps under a mark, interpreter runs, instructions they retired. */
  /** Regions that may be translated now (see BURST); instructions retired towards the next. */
  tokens = BURST; earned = 0;
  calls = 0; steps = 0; interps = 0; interpInsts = 0; regionInsts = 0;
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
  const jp = pageOf(h, jm, f);
  return { frame: f, code: jp.code, orig: jp.orig };
}

/** Translate a region entered at pc (page offset off of frame f) and mark its block starts. */
function translate(h: Hart, jm: JitMem, jp: JitPage, f: number, pc: number, off: number): void {
  const pageVa = pc - off;
  const region = compileRegion(h.mem.u16, [neighbour(h, jm, pageVa - 4096), { frame: f, code: jp.code, orig: jp.orig },
    neighbour(h, jm, pageVa + 4096)], off);
  // The neighbour look-ups may have replaced this page's JitPage (never its code: creating
  // code only happens for frames without any); a stale jp is simply dropped.
  if (region === null || jm.pages[f] !== jp) { jp.cold[off >>> 1] = 1; return; }
  jm.regions++;
  jm.translatedInsts += region.ninsts;
  const code = jp.code;
  for (const s of region.starts) {
    const k = s >>> 1, op = code[s << 1];
    if (jp.regions[k] !== undefined || op === Op.UNDECODED) continue;
    jp.regions[k] = region;
    if (op !== Op.JIT_ENTRY) { jp.orig[k] = op; code[s << 1] = Op.JIT_ENTRY; }
  }
}

/** Give a region's entries back to the interpreter for good. */
function drop(jm: JitMem, jp: JitPage, rg: Region): void {
  for (const s of rg.starts) {
    const k = s >>> 1;
    if (jp.regions[k] !== rg) continue;
    jp.regions[k] = undefined; jp.cold[k] = 1;
    jp.code[s << 1] = jp.orig[k];
  }
  jm.dropped++;
}

/** Run up to `budget` instructions, translated where hot; returns an EXIT_* reason like cpu.run. */
export function runHart(h: Hart, budget: number): number {
  const jm = jitMem(h.mem);
  if (!jm.enabled) return run(h, budget);
  const c = ctxOf(h);
  const mem = h.mem, mmu = h.mmu, xTag = mmu.xTag, xBase = mmu.xBase;
  let n = budget;
  /** 1: the last step left a region at h.pc (not for the interpreter). */
  let exited = 0;
  jm.earned += budget;
  if (jm.earned >= EARN) { jm.earned -= EARN; if (jm.tokens < BURST) jm.tokens++; }
  try {
    while (n > 0) {
      const pc = h.pc;
      const vpn = Math.floor(pc / 4096), ti = vpn & 255;
      const p = xTag[ti] === vpn ? xBase[ti] + (pc & 4095) : mmu.fill(pc, ACC_X);
      const f = p >>> 12, off = p & 4095, k = off >>> 1;
      const code = mem.code[f];
      let jp = jm.pages[f];
      if (code === undefined || jp === undefined || jp.code !== code) jp = pageOf(h, jm, f);
      const rg = jp.regions[k];
      const before = h.instret;
      let r: number;
      if (rg !== undefined) {
        if (c.interp === 0) {
          const left = rg.fn(c, pc - off, n, off);
          if (left !== n) {
            if (++rg.calls === PROBATION) {
              // Code that leaves its region every few instructions (an interpreter's
              // computed-goto dispatch, say) pays more for entry and exit than it gains.
              if (rg.retired < PROBATION * MIN_PER_CALL) drop(jm, jp, rg);
            } else rg.retired += n - left;
            h.instret += n - left;
            jm.calls++; jm.regionInsts += n - left;
            n = left;
            h.pc = c.pc;
            exited = c.interp === 0 ? 1 : 0;
            continue;
          }
        }
        // The region cannot start here (too little budget left, or its first instruction
        // needs the interpreter): interpret that one instruction with its mark lifted.
        c.interp = 0;
        const s = off << 1, jcode = jp.code;
        jcode[s] = jp.orig[k];
        r = run(h, 1); jm.steps++;
        if (mem.code[f] === jcode && jp.regions[k] === rg) jcode[s] = Op.JIT_ENTRY;
      } else {
        // A place regions leave to (the rest of a loop too big for one region, a callee)
        // is as hot as the jumps into it: count it like a backward jump target.
        if (exited !== 0 && c.interp === 0 && jp.cold[k] === 0 && jm.tokens > 0 && bump(pc, HOT)) {
          hotReset(pc);
          jm.tokens--;
          translate(h, jm, jp, f, pc, off);
          exited = 0;
          continue;
        }
        exited = 0;
        c.interp = 0;
        r = run(h, n, HOT); jm.interps++; jm.interpInsts += h.instret - before;
        if (r === EXIT_HOT) {
          r = EXIT_BUDGET;
          const t = h.pc;
          hotReset(t);
          const vp = Math.floor(t / 4096), tj = vp & 255;
          if (xTag[tj] === vp) {
            const q = xBase[tj] + (t & 4095), g = q >>> 12, o = q & 4095;
            const gp = pageOf(h, jm, g);
            if (gp.regions[o >>> 1] === undefined && gp.cold[o >>> 1] === 0 && jm.tokens > 0) { jm.tokens--; translate(h, jm, gp, g, t, o); }
          }
        } else if (r === EXIT_JIT) r = EXIT_BUDGET;
      }
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
