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
import { Hart, EXIT_BUDGET, EXIT_ECALL, EXIT_FAULT, EXIT_JIT, EXIT_HOT, ST_PC, ST_INTERP } from '../hart.js';
import { fpExec } from '../fpu.js';
import { translateWasm, instantiate, WasmRegion, EXIT_FLAG_ECALL } from './wasmgen.js';
import { WasmLoop } from './wasmloop.js';
import { run, bump, hotReset, hotEpoch, ecallFast } from '../cpu.js';
import { FAULT, ACC_X, ACC_R, ACC_W } from '../../../mm/mmu.js';
import { PhysMem } from '../../../mm/phys.js';
import { Op, Slot, PAGE_SLOTS_WORDS } from '../decode.js';
import { JitCtx } from './ctx.js';
import { Region, PageRef, compileRegion } from './compile.js';
import { pteFrame } from '../../../mm/pagetable.js';
import { zeroInt32 } from '../../../lib/zeropages.js';

/**
 * Taken jumps to a target within one epoch of HOT_EPOCH instructions (a loop) before a
 * region is translated there; code that runs at a slower rate becomes hot after SLOW
 * (cpu.ts) times as many in all. 400 (session 6; 64 before: python3 -c pass 1.73 ->
 * 1.24 s, python3 10^6 loop 4.46 -> 3.92 s, forkexec 300 3.07 -> 2.67 ms). A
 * translation costs ~0.4-0.7 ms of the main thread (translateWasm ~0.2-0.3, encoding,
 * V8's compile and instantiation) plus V8's background tier-up, which the code a shell
 * loop runs once or a few times an iteration does not earn back in 1,000 iterations
 * (session 11): 1,600 for every target measured a shell loop of 1,000 /bin/true 1.32 ->
 * 1.15 s and python3 slightly faster, but a loop now ran 1,600 times before its
 * translation, which a syscall loop of a fixed count pays in full (getpid 227 -> 313 ns
 * over 200,000 calls) and gzip of 11 MB +3-6%. Counting per epoch keeps loops at 400.
 */
export let HOT = 400;
/** Instructions in one epoch of the hot counts (see HOT): a loop of up to ~20,000 instructions an iteration still counts as one. */
const HOT_EPOCH = 8e6;
let epochLeft = HOT_EPOCH;
/** A hart retired n instructions (the run loop tells after each runHart call): the hot counts' epochs advance. */
export function hotRetired(n: number): void { if ((epochLeft -= n) <= 0) { epochLeft = HOT_EPOCH; hotEpoch(); } }
export function setHot(n: number): void { HOT = Math.max(1, Math.min(65535, n)); }
/** A budget below this that a region refuses is finished in the interpreter (regions need at most ~100 instructions). */
const TAIL = 256;
/** A region is judged after this many calls; it must retire MIN_PER_CALL instructions per call on average. */
const PROBATION = 2048, MIN_PER_CALL = 40;
/**
 * Translation budget: V8 spends tens of milliseconds optimizing each region, which
 * code with few hot loops (sha256, gzip, CoreMark) repays at once and code with
 * hundreds of them (CPython's eval loop) never does. So each memory may translate
 * BURST regions at once and then one more per EARN instructions retired.
 */
const BURST = 24, EARN = 40e6;
/**
 * wasm translations are cheap once batched (a module costs ~0.2-0.5 ms, a region in a
 * batch of 16 ~0.02 ms), so they get a larger ration. A batch is compiled when it has
 * BATCH regions or its oldest has waited BATCH_WAIT instructions.
 */
const BURST_WASM = 1024, EARN_WASM = 1e6;
let BATCH = 16, BATCH_WAIT = 2e6;
/** Batch size and wait (tests compile each translation at once). */
export function setBatch(n: number, wait: number): void { BATCH = n; BATCH_WAIT = wait; }
const COLD = 1, PENDING = 2;
/**
 * Instructions a machine retires before the JIT starts (the `jitwarm=` option; the kernel
 * sets 4M: a boot to a busybox prompt retires ~3.6M). Until then runHart only interprets:
 * an idle machine's dispatcher and translations cost ~11 MB of host memory (V8's
 * compilers) that it would never earn back.
 */
let WARMUP = 0;
export function setJitWarmup(n: number): void { WARMUP = n; }
/**
 * The hot count the warm-up interprets with: no target reaches it, so nothing is
 * translated, but the jumps are counted, and a loop that ran HOT times in the warm-up's
 * last epoch is translated at its first jump after it instead of HOT jumps later. A
 * fork+exec loop's first timed child, the one the warm-up ends in, interpreted 64K
 * instructions of its 233K instead of 15K, at ~250 ns each (V8's baseline tiers).
 */
const COUNT_ONLY = 1 << 30;

class JitPage {
  /** Region entered at the block starting at each 2-byte offset (that instruction is marked Op.JIT_ENTRY). */
  readonly regions: (Region | undefined)[] = new Array(2048);
  /** The decoded op under each mark (a mark replaces only slot[0]'s op field, see decode.ts). */
  readonly orig = new Int8Array(2048);
  /** Table slots of the wasm regions entered on this page (freed with the page's code). */
  slots: number[] | null = null;
  /** COLD: do not translate a region entered here (dropped, see PROBATION, or untranslatable); PENDING: queued. */
  readonly cold = new Uint8Array(2048);
  constructor(readonly code: Int32Array) {}
}

/** on: WebAssembly, JavaScript for regions wasm cannot take; js: JavaScript only; off: the interpreter only. */
export type JitMode = 'on' | 'js' | 'off';

/** JIT state of one guest physical memory (shared by every hart on it). */
export class JitMem {
  enabled = true;
  wasm = true;
  /** Regions translated to wasm (the rest of `regions` went to JS). */
  wasmRegions = 0;
  readonly pages: (JitPage | undefined)[];
  /** Statistics. */
  regions = 0;
  dropped = 0;
  translatedInsts = 0;
  /** Dispatcher counters: region calls, single steps under a mark, interpreter runs, instructions they retired. */
  /** Regions that may be translated now (see BURST); instructions retired towards the next. */
  tokens = BURST_WASM; earned = 0;
  calls = 0; steps = 0; interps = 0; interpInsts = 0; regionInsts = 0;
  /** The wasm dispatch loop, made with the first wasm region. */
  loop: WasmLoop | null = null;
  /** Instructions retired before the JIT started (see WARMUP). */
  warm = 0;
  /** wasm translations waiting for their batch, and instructions retired since the batch began. */
  pending: Pending[] = [];
  pendingAge = 0;
  constructor(readonly mem: PhysMem) { this.pages = new Array(mem.nframes); }

  wasmLoop(): WasmLoop {
    if (this.loop === null) {
      const loop = this.loop = new WasmLoop(this.mem, CALLS_OUT);
      // A frame's code is gone: so are the wasm regions entered on it (their hash entries die with the generation).
      this.mem.codeDropped = (f: number): void => {
        const jp = this.pages[f];
        if (jp !== undefined && jp.slots !== null) { for (const s of jp.slots) loop.freeFunc(s); jp.slots = null; }
      };
    }
    return this.loop;
  }
}

const mems = new WeakMap<PhysMem, JitMem>();
let lastMem: PhysMem | null = null, lastJm: JitMem | null = null;
export function jitMem(mem: PhysMem): JitMem {
  if (mem === lastMem) return lastJm!;
  let j = mems.get(mem);
  if (j === undefined) { j = new JitMem(mem); mems.set(mem, j); }
  lastMem = mem; lastJm = j;
  return j;
}
/** Choose translation for every hart on this memory (the `jit=` option; true = on). */
export function setJit(mem: PhysMem, mode: JitMode | boolean): void {
  const j = jitMem(mem);
  j.enabled = mode !== false && mode !== 'off';
  j.wasm = mode === true || mode === 'on';
  j.tokens = j.wasm ? BURST_WASM : BURST;
}

/** The hart whose wasm region is running (its F/D helper import needs it). */
let cur: Hart | null = null;
const fpImport = (_st: number, raw: number): number => fpExec(cur!, raw) ? 1 : 0;
/** A wasm region's ecall: 1 when the kernel completed it in place (cpu.ecallFast), 0 to leave for the kernel. */
const ecallImport = (): number => ecallFast !== null && ecallFast(cur!) ? 1 : 0;
/** A wasm region's TLB miss: the physical address of va, or -1 to let the interpreter take the access. */
const tlbImport = (va: number, write: number): number => {
  const mmu = cur!.mmu, kind = write !== 0 ? ACC_W : ACC_R;
  let pte = mmu.probe(va, kind);
  if (pte === 0) pte = mmu.faultIn(va, kind);
  // A store into a frame with decoded code must leave the region (it may be rewriting it).
  if (pte === 0 || (write !== 0 && mmu.mem.code[pteFrame(pte)] !== undefined)) return -1;
  return mmu.enter(va, kind, pte);
};
/** What wasm regions call out to through the dispatch loop's table (wasmloop.ts SLOT_TLB). */
const CALLS_OUT = { tlb: tlbImport, ecall: ecallImport };
const SF_PC = ST_PC >>> 3, SI_INTERP = ST_INTERP >>> 2;
const notJs = (): number => { throw new Error('jit: a wasm region runs through the dispatch loop'); };

const ctxs = new WeakMap<Hart, JitCtx>();
/** The last hart and its context: a syscall-heavy task re-enters runHart with the same hart. */
let lastHart: Hart | null = null, lastCtx: JitCtx | null = null;
function ctxOf(h: Hart): JitCtx {
  if (h === lastHart) return lastCtx!;
  let c = ctxs.get(h);
  if (c === undefined) { c = new JitCtx(h); ctxs.set(h, c); }
  lastHart = h; lastCtx = c;
  return c;
}

/** The JitPage for frame f, creating the frame's decoded-code array if needed. */
function pageOf(h: Hart, jm: JitMem, f: number): JitPage {
  const mem = h.mem;
  let code = mem.code[f];
  if (code === undefined) {
    code = zeroInt32(PAGE_SLOTS_WORDS);
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

/** The aligned 32-bit word at va if it is mapped readable and present, else null (no fault, no TLB change). */
function peek32(h: Hart, va: number): number | null {
  const pte = (va & 3) === 0 ? h.mmu.probe(va, ACC_R) : 0;
  return pte === 0 ? null : h.mem.i32[(pteFrame(pte) * 4096 + (va & 4095)) >>> 2];
}

/** A wasm translation waiting for its batch (see flush). */
interface Pending { wr: WasmRegion; jp: JitPage; f: number; off: number }

/**
 * Translate the region entered at pc (page offset off of frame f): to wasm, queued for
 * the next batch, where possible; else to JS, at once.
 */
function translate(h: Hart, jm: JitMem, jp: JitPage, f: number, pc: number, off: number): void {
  const pageVa = pc - off, mem = h.mem;
  const pages = [neighbour(h, jm, pageVa - 4096), { frame: f, code: jp.code, orig: jp.orig }, neighbour(h, jm, pageVa + 4096)];
  // The neighbour look-ups may have replaced this page's JitPage (never its code: creating
  // code only happens for frames without any); a stale jp is simply dropped.
  if (jm.pages[f] !== jp) { jp.cold[off >>> 1] = COLD; return; }
  if (jm.wasm) {
    const wr = translateWasm(mem.u16, pages, off, mem.gen, mem.genBase, (k) => neighbour(h, jm, pageVa + k * 4096),
      jm.wasmLoop().newCell, (o) => peek32(h, pageVa + o));
    if (wr !== null) {
      if (jm.pending.length === 0) jm.pendingAge = 0;
      jm.pending.push({ wr, jp, f, off });
      // Its other entries too: a loop's other targets that get hot while it waits would
      // each queue a copy of the same region (only the first installed is ever entered).
      for (const s of wr.starts) if (jp.cold[s >>> 1] === 0) jp.cold[s >>> 1] = PENDING;
      jp.cold[off >>> 1] = PENDING;
      return;
    }
  }
  const region = compileRegion(mem.u16, pages, off);
  if (region === null) { jp.cold[off >>> 1] = COLD; return; }
  install(jm, jp, f, region, null);
}

/** Compile the queued wasm translations (one module, or two: see flushBatch) and install those whose code is unchanged. */
function flush(jm: JitMem): void {
  const all = jm.pending;
  jm.pending = [];
  // One module for the regions with F/D arithmetic, one for the rest (wasmgen.ts F_FP).
  const fp = all.filter((p) => p.wr.fp), other = all.filter((p) => !p.wr.fp);
  if (fp.length > 0) flushBatch(jm, fp);
  if (other.length > 0) flushBatch(jm, other);
}

/** Compile one module of translations, all with or all without F/D arithmetic, and install them. */
function flushBatch(jm: JitMem, batch: Pending[]): void {
  const mem = jm.mem, loop = jm.wasmLoop();
  const fns = instantiate(batch.map((p) => p.wr), mem.memory, loop.table, fpImport);
  for (let i = 0; i < batch.length; i++) {
    const { wr, jp, f, off } = batch[i];
    for (const s of wr.starts) if (jp.cold[s >>> 1] === PENDING) jp.cold[s >>> 1] = 0;
    if (jp.cold[off >>> 1] === PENDING) jp.cold[off >>> 1] = 0;
    if (jm.pages[f] !== jp || mem.code[f] !== jp.code) { loop.giveBack(wr.cells); continue; }
    const slot = loop.addFunc(fns[i]);
    loop.setCells(slot, wr.cells);
    (jp.slots ??= []).push(slot);
    jm.wasmRegions++;
    install(jm, jp, f, { fn: notJs, starts: wr.starts, ninsts: wr.ninsts, src: '', calls: 0, retired: 0, slot }, wr.index);
  }
}

/** Mark a region's block starts in its page (and enter wasm ones in the loop's hash table). */
function install(jm: JitMem, jp: JitPage, f: number, region: Region, index: Map<number, number> | null): void {
  jm.regions++;
  jm.translatedInsts += region.ninsts;
  const code = jp.code;
  for (const s of region.starts) {
    const k = s >>> 1, op = code[s] & Slot.OP;
    if (jp.regions[k] !== undefined || op === Op.UNDECODED) continue;
    jp.regions[k] = region;
    if (op !== Op.JIT_ENTRY) { jp.orig[k] = op; mark(code, s); }
    if (index !== null) jm.wasmLoop().insert(f * 4096 + s, jm.mem.gen[f], region.slot, index.get(s)!);
  }
}

/** Give a region's entries back to the interpreter for good. */
function drop(jm: JitMem, jp: JitPage, rg: Region): void {
  for (const s of rg.starts) {
    const k = s >>> 1;
    if (jp.regions[k] !== rg) continue;
    jp.regions[k] = undefined; jp.cold[k] = COLD;
    unmark(jp.code, s, jp.orig[k]);
  }
  jm.dropped++;
}

/** Put the mark Op.JIT_ENTRY on the slot of page offset s (the slot's index: two words per 2-byte offset). */
function mark(code: Int32Array, s: number): void { code[s] = (code[s] & ~Slot.OP) | Op.JIT_ENTRY; }
/** Lift the mark from the slot of page offset s, giving back its op. */
function unmark(code: Int32Array, s: number, op: number): void { code[s] = (code[s] & ~Slot.OP) | op; }

/**
 * Age the pending batch by a runHart call's budget and compile it when full or old (a
 * function of its own: its call in runHart runs from the first translation on, so V8
 * has type feedback for it when it optimizes runHart).
 */
function pendingAge(jm: JitMem, budget: number): void {
  jm.pendingAge += budget;
  if (jm.pending.length >= BATCH || jm.pendingAge >= BATCH_WAIT) flush(jm);
}

/** Run up to `budget` instructions, translated where hot; returns an EXIT_* reason like cpu.run. */
export function runHart(h: Hart, budget: number): number {
  const jm = jitMem(h.mem);
  if (!jm.enabled) return run(h, budget);
  if (jm.warm < WARMUP) {
    // Not warm yet (see WARMUP), but the jumps are counted (see COUNT_ONLY).
    const before = h.instret, r = run(h, budget, COUNT_ONLY);
    jm.warm += h.instret - before;
    return r;
  }
  const c = ctxOf(h);
  const mem = h.mem, mmu = h.mmu, xTag = mmu.xTag, xBase = mmu.xBase;
  let n = budget;
  /** 1: the last step left a region at h.pc (not for the interpreter). */
  let exited = 0;
  jm.earned += budget;
  const earn = jm.wasm ? EARN_WASM : EARN, burst = jm.wasm ? BURST_WASM : BURST;
  if (jm.earned >= earn) { jm.earned -= earn; if (jm.tokens < burst) jm.tokens++; }
  if (jm.pending.length > 0) pendingAge(jm, budget);
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
          let left: number;
          if (rg.slot >= 0) {
            // wasm: the dispatch loop runs this region and every wasm region it leads to.
            cur = h;
            left = jm.loop!.run(h.slot, n, pc);
            c.pc = c.sf[SF_PC]; c.interp = c.si[SI_INTERP];
          } else left = rg.fn(c, pc - off, n, off);
          if (left !== n) {
            if (rg.slot >= 0) { /* chained wasm regions are not judged: leaving them is cheap */ }
            else if (++rg.calls === PROBATION) {
              // Code that leaves its region every few instructions (an interpreter's
              // computed-goto dispatch, say) pays more for entry and exit than it gains.
              if (rg.retired < PROBATION * MIN_PER_CALL) drop(jm, jp, rg);
            } else rg.retired += n - left;
            h.instret += n - left;
            jm.calls++; jm.regionInsts += n - left;
            n = left;
            h.pc = c.pc;
            if (c.interp === EXIT_FLAG_ECALL) {
              // Stopped at an ecall it retired (after offering it to the in-place path,
              // cpu.ecallFast): the kernel takes it from here. (After the accounting every
              // exit shares: a path of its own lacked V8's type feedback and deoptimized
              // this function when the first syscall left a region.)
              c.interp = 0;
              return EXIT_ECALL;
            }
            exited = c.interp === 0 ? 1 : 0;
            continue;
          }
        }
        if (c.interp === 0 && n < TAIL) {
          // Too little budget left for the region (it checks what its longest path to the
          // next check needs): interpret the rest of the slice with its marks lifted.
          const jcode = jp.code;
          for (const s of rg.starts) if (jp.regions[s >>> 1] === rg) unmark(jcode, s, jp.orig[s >>> 1]);
          r = run(h, n); jm.steps++;
          if (mem.code[f] === jcode) for (const s of rg.starts) if (jp.regions[s >>> 1] === rg) mark(jcode, s);
          if (r === EXIT_JIT) r = EXIT_BUDGET;
          n -= h.instret - before;
          if (r !== EXIT_BUDGET) return r;
          continue;
        }
        // The region cannot start here (its first instruction needs the interpreter, or
        // too little budget left): interpret that one instruction with its mark lifted.
        c.interp = 0;
        const jcode = jp.code;
        unmark(jcode, off, jp.orig[k]);
        r = run(h, 1); jm.steps++;
        if (mem.code[f] === jcode && jp.regions[k] === rg) mark(jcode, off);
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
            // Hot again while its region waits for the batch: compile the batch now, not at
            // the next call (a slice can be 200K instructions of this very loop).
            else if (gp.cold[o >>> 1] === PENDING) flush(jm);
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
