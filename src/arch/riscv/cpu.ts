// RV64GC user-mode interpreter. Instructions are decoded once per physical page into
// an Int32Array slot cache (see decode.ts); the hot loop is one switch over dense op
// ids with pc kept as (page virtual address, offset) locals. Memory goes through the
// hart's software TLB; a FAULT thrown by the MMU leaves the instruction unexecuted.
import { Hart, EXIT_BUDGET, EXIT_ECALL, EXIT_FAULT, EXIT_EBREAK, EXIT_ILLEGAL, EXIT_MISALIGNED, EXIT_JIT, EXIT_HOT } from './hart.js';
import { FAULT, ACC_R, ACC_W, Mmu } from '../../mm/mmu.js';
import { Op, Slot, decodeInto, PAGE_SLOTS_WORDS, AMO_ADD, AMO_SWAP, AMO_XOR, AMO_OR, AMO_AND, AMO_MIN, AMO_MAX,
  AMO_MINU } from './decode.js';
import { expand } from './rvc.js';
import { fpExec } from './fpu.js';
import * as md from './muldiv.js';
import { zeroInt32 } from '../../lib/zeropages.js';

const P32 = 4294967296;
/** An all-zero slot array: reading any slot gives Op.UNDECODED, forcing a page look-up. */
const EMPTY = new Int32Array(PAGE_SLOTS_WORDS);
/** Holds the decoded form of an instruction straddling two pages (never cached in a page). */
const SCRATCH = new Int32Array(PAGE_SLOTS_WORDS);

// Virtual page → slot array of one MMU, valid while that MMU's stamp stays the same (any
// change of a translation renews it, mmu.ts; dropped code reads as Op.UNDECODED and is
// looked up again). Makes calls and returns between pages cheap, and a run() call's
// first fetch too: the JIT's dispatcher calls run() ~90 times in a busybox start.
const CT_SIZE = 32;
const CT_TAG = new Float64Array(CT_SIZE).fill(-1);
const CT_CODE: Int32Array[] = new Array<Int32Array>(CT_SIZE).fill(EMPTY);
/** The MMU and stamp the entries are for. */
let ctMmu: Mmu | null = null, ctStamp = -1;
function pageCode(pageVa: number): Int32Array {
  const i = (pageVa / 4096) & (CT_SIZE - 1);
  return CT_TAG[i] === pageVa ? CT_CODE[i] : EMPTY;
}

// Taken-jump counters for the JIT, indexed by the target's address bits 1..19 (a
// direct-mapped hash: a collision only makes some code look hot a little early).
// run(h, budget, hot) with hot > 0 counts every taken backward jump or branch (loops)
// and stops with EXIT_HOT, pc at the target, when a target has become hot: `hot` taken
// jumps within one epoch (a loop), or SLOW * hot in all (code that runs at a slow rate,
// such as what a shell loop runs once an iteration, whose translation a few hundred
// runs do not pay back; jit.ts HOT).
const HOT_MASK = (1 << 19) - 1;
/** All the taken jumps to each target (saturating at 65535). */
const HOTC = new Uint16Array(HOT_MASK + 1);
/** Those of the current epoch: epoch << EPOCH_SHIFT | count (a stale epoch counts as 0). */
const RECENT = new Uint16Array(HOT_MASK + 1);
const EPOCH_SHIFT = 12, COUNT_MASK = (1 << EPOCH_SHIFT) - 1, EPOCH_MASK = 15;
/** How many times the jumps of one epoch a target needs in all. */
export const SLOW = 4;
let epoch = 0;
/** Count a taken jump to t; true when t has just become hot. */
export function bump(t: number, hot: number): boolean {
  const i = (t / 2) & HOT_MASK;
  const r = RECENT[i];
  const c = (r >>> EPOCH_SHIFT) === epoch ? (r & COUNT_MASK) + 1 : 1;
  if (c <= COUNT_MASK) RECENT[i] = (epoch << EPOCH_SHIFT) | c;
  if (c >= hot) return true;
  const a = HOTC[i] + 1;
  if (a <= 65535) HOTC[i] = a;
  return a >= hot * SLOW;
}
/** Restart the counts of jump target t (after the JIT looked at it). */
export function hotReset(t: number): void { const i = (t / 2) & HOT_MASK; HOTC[i] = 0; RECENT[i] = 0; }
/** A new epoch: targets start counting their recent jumps from 0 (jit.ts calls it every HOT_EPOCH instructions). */
export function hotEpoch(): void { epoch = (epoch + 1) & EPOCH_MASK; }

/**
 * The kernel's in-place syscall path: called at an ecall, it completes the call without
 * leaving the CPU loop (result in a0; h.pc and h.instret are stale) and returns true, or
 * returns false to let the ecall exit as usual (EXIT_ECALL). For syscalls that cannot
 * block, fault, signal or need the pc: a getpid then costs a call, not a run() exit and
 * re-entry through the dispatcher and the run loop.
 */
export let ecallFast: ((h: Hart) => boolean) | null = null;
export function setEcallFast(f: ((h: Hart) => boolean) | null): void { ecallFast = f; }

/** Translate pc for execution and return the slot array holding its decoded form. */
function lookup(h: Hart, pc: number): Int32Array {
  const mem = h.mem;
  const p = h.mmu.x(pc);
  const f = p >>> 12;
  let code = mem.code[f];
  if (code === undefined) {
    code = zeroInt32(PAGE_SLOTS_WORDS);
    mem.code[f] = code;
    mem.codeFrames++;
    h.mmu.flushWriteFrame(f);
  }
  const off = p & 4095;
  const s = off;   // two words per 2-byte offset
  if (code[s] !== Op.UNDECODED) return code;
  const lo = mem.u16[p >>> 1];
  if ((lo & 3) !== 3) {
    decodeInto(expand(lo), lo, 2, code, s);
    return code;
  }
  if (off === 4094) {
    const p2 = h.mmu.x(pc + 2);
    const inst = lo | (mem.u16[p2 >>> 1] << 16);
    decodeInto(inst, inst, 4, SCRATCH, s);
    return SCRATCH;
  }
  const inst = lo | (mem.u16[(p >>> 1) + 1] << 16);
  decodeInto(inst, inst, 4, code, s);
  return code;
}

// ---- slow memory paths: misaligned, possibly crossing a page --------------------------
/** The address x[a] + imm (register pair a), for a slow path. */
function addrOf(x: Int32Array, a: number, imm: number): number { return x[a + 1] * P32 + (x[a] >>> 0) + imm; }
const TMP = new Uint8Array(8);
const TMP_I32 = new Int32Array(TMP.buffer);
const TMP_DV = new DataView(TMP.buffer);

/** Load `size` bytes at va (p = translation of va) into TMP; translates both pages first. */
function loadBytes(h: Hart, va: number, p: number, size: number): void {
  const u8 = h.mem.u8;
  const first = 4096 - (p & 4095);
  if (first >= size) { for (let i = 0; i < size; i++) TMP[i] = u8[p + i]; return; }
  const p2 = h.mmu.r(va + first);
  for (let i = 0; i < size; i++) TMP[i] = i < first ? u8[p + i] : u8[p2 + i - first];
}
function ld16s(h: Hart, va: number, p: number): number { loadBytes(h, va, p, 2); return TMP_DV.getInt16(0, true); }
function ld16u(h: Hart, va: number, p: number): number { loadBytes(h, va, p, 2); return TMP_DV.getUint16(0, true); }
function ld32(h: Hart, va: number, p: number): number { loadBytes(h, va, p, 4); return TMP_I32[0]; }
/** 8-byte load: low word returned, high word left in TMP_I32[1]. */
function ld64(h: Hart, va: number, p: number): number { loadBytes(h, va, p, 8); return TMP_I32[0]; }

/** Store TMP[0..size) at va (p = translation); translates both pages before writing. */
function storeBytes(h: Hart, va: number, p: number, size: number): void {
  const u8 = h.mem.u8;
  const first = 4096 - (p & 4095);
  if (first >= size) { for (let i = 0; i < size; i++) u8[p + i] = TMP[i]; return; }
  const p2 = h.mmu.w(va + first);
  for (let i = 0; i < size; i++) { if (i < first) u8[p + i] = TMP[i]; else u8[p2 + i - first] = TMP[i]; }
}
function st16(h: Hart, va: number, p: number, v: number): void { TMP_DV.setInt16(0, v, true); storeBytes(h, va, p, 2); }
function st32(h: Hart, va: number, p: number, v: number): void { TMP_I32[0] = v; storeBytes(h, va, p, 4); }
function st64(h: Hart, va: number, p: number, lo: number, hi: number): void {
  TMP_I32[0] = lo; TMP_I32[1] = hi; storeBytes(h, va, p, 8);
}

// ---- CSRs -------------------------------------------------------------------------------
/** Execute a Zicsr instruction; false if illegal. `retired` = instret before this one. */
function csr(h: Hart, inst: number, retired: number): boolean {
  const x = h.x;
  const f3 = (inst >>> 12) & 7;
  const num = inst >>> 20;
  const rdn = (inst >>> 7) & 31;
  const src = (inst >>> 15) & 31;
  // Source operand (a register, or the 5-bit zimm for the *I forms); low 32 bits suffice
  // for the writable CSRs, which are all narrower than 32 bits.
  const v = f3 >= 5 ? src : x[2 * src];
  const writes = (f3 & 3) === 1 || src !== 0;
  let old: number, oldHi = 0;
  switch (num) {
    case 0x001: old = h.fflags; break;
    case 0x002: old = h.frm; break;
    case 0x003: old = (h.frm << 5) | h.fflags; break;
    case 0xc00: case 0xc02: {
      if (writes) return false;
      const n = retired;
      old = n % P32; oldHi = Math.floor(n / P32); break;
    }
    case 0xc01: {
      if (writes) return false;
      const t = h.timeFn();
      old = t % P32; oldHi = Math.floor(t / P32); break;
    }
    default: return false;
  }
  if (writes) {
    const op = f3 & 3;
    const nv = op === 1 ? v : op === 2 ? (old | v) : (old & ~v);
    if (num === 0x001) h.fflags = nv & 31;
    else if (num === 0x002) h.frm = nv & 7;
    else { h.fflags = nv & 31; h.frm = (nv >>> 5) & 7; }
  }
  if (rdn !== 0) { x[2 * rdn] = old | 0; x[2 * rdn + 1] = oldHi | 0; }
  return true;
}

// ---- atomics ----------------------------------------------------------------------------
/** AMO*.W: returns false if misaligned. */
function amoW(h: Hart, f5: number, va: number, rd: number, b: number): boolean {
  if ((va & 3) !== 0) return false;
  const i32 = h.mem.i32, x = h.x;
  const q = h.mmu.w(va) >> 2;
  const old = i32[q], s = x[b];
  let nv: number;
  switch (f5) {
    case AMO_ADD: nv = (old + s) | 0; break;
    case AMO_SWAP: nv = s; break;
    case AMO_XOR: nv = old ^ s; break;
    case AMO_OR: nv = old | s; break;
    case AMO_AND: nv = old & s; break;
    case AMO_MIN: nv = s < old ? s : old; break;
    case AMO_MAX: nv = s > old ? s : old; break;
    case AMO_MINU: nv = (s >>> 0) < (old >>> 0) ? s : old; break;
    default: nv = (s >>> 0) > (old >>> 0) ? s : old; break;
  }
  i32[q] = nv;
  x[rd] = old; x[rd + 1] = old >> 31;
  return true;
}

function amoD(h: Hart, f5: number, va: number, rd: number, b: number): boolean {
  if ((va & 7) !== 0) return false;
  const i32 = h.mem.i32, x = h.x;
  const q = h.mmu.w(va) >> 2;
  const ol = i32[q], oh = i32[q + 1], sl = x[b], sh = x[b + 1];
  let nl: number, nh: number;
  switch (f5) {
    case AMO_ADD: nl = (ol + sl) | 0; nh = (oh + sh + ((nl >>> 0) < (ol >>> 0) ? 1 : 0)) | 0; break;
    case AMO_SWAP: nl = sl; nh = sh; break;
    case AMO_XOR: nl = ol ^ sl; nh = oh ^ sh; break;
    case AMO_OR: nl = ol | sl; nh = oh | sh; break;
    case AMO_AND: nl = ol & sl; nh = oh & sh; break;
    default: {
      // min/max: compare s < old, signed or unsigned on the high word.
      const signed = f5 === AMO_MIN || f5 === AMO_MAX;
      const less = signed
        ? (sh < oh || (sh === oh && (sl >>> 0) < (ol >>> 0)))
        : ((sh >>> 0) < (oh >>> 0) || (sh === oh && (sl >>> 0) < (ol >>> 0)));
      const takeS = (f5 === AMO_MIN || f5 === AMO_MINU) ? less : !less && !(sh === oh && sl === ol);
      if (takeS) { nl = sl; nh = sh; } else { nl = ol; nh = oh; }
    }
  }
  i32[q] = nl; i32[q + 1] = nh;
  x[rd] = ol; x[rd + 1] = oh;
  return true;
}

/**
 * The instructions that are rare in integer code (A, F/D, fence.i, CSRs, ebreak), out
 * of run()'s loop: its TurboFan compile, which every other kernel function waits for on
 * V8's one worker thread when the warm-up ends, is that much shorter. Returns EXIT_BUDGET
 * to go on, else the exit (with its details set); faults throw as in run().
 * `retired`: instructions retired before this one (for the counters).
 */
function rare(h: Hart, w: number, imm: number, retired: number): number {
  const x = h.x, fi = h.fi, mem = h.mem, mmu = h.mmu, i32 = mem.i32;
  const rd = (w >>> Slot.RD) & 127, a = (w >>> Slot.RS1) & 127, b = (w >>> Slot.RS2) & 127;
  switch (w & Slot.OP) {
    // ---- A
    case Op.LR_W: {
      const va = x[a + 1] * P32 + (x[a] >>> 0);
      if ((va & 3) !== 0) { h.exitAddr = va; h.exitKind = ACC_R; return EXIT_MISALIGNED; }
      const v = i32[mmu.r(va) >>> 2];
      h.res[0] = va; x[rd] = v; x[rd + 1] = v >> 31; break;
    }
    case Op.LR_D: {
      const va = x[a + 1] * P32 + (x[a] >>> 0);
      if ((va & 7) !== 0) { h.exitAddr = va; h.exitKind = ACC_R; return EXIT_MISALIGNED; }
      const q = mmu.r(va) >>> 2;
      h.res[0] = va; const lo = i32[q]; x[rd + 1] = i32[q + 1]; x[rd] = lo; break;
    }
    case Op.SC_W: case Op.SC_D: {
      const va = x[a + 1] * P32 + (x[a] >>> 0);
      const sz = (w & Slot.OP) === Op.SC_W ? 3 : 7;
      if ((va & sz) !== 0) { h.exitAddr = va; h.exitKind = ACC_W; return EXIT_MISALIGNED; }
      let r = 1;
      if (h.res[0] === va) {
        const q = mmu.w(va) >>> 2;
        i32[q] = x[b];
        if (sz === 7) i32[q + 1] = x[b + 1];
        r = 0;
      }
      h.res[0] = -1;
      x[rd] = r; x[rd + 1] = 0; break;
    }
    case Op.AMO_W: {
      const va = x[a + 1] * P32 + (x[a] >>> 0);
      if (!amoW(h, imm, va, rd, b)) { h.exitAddr = va; h.exitKind = ACC_W; return EXIT_MISALIGNED; }
      break;
    }
    case Op.AMO_D: {
      const va = x[a + 1] * P32 + (x[a] >>> 0);
      if (!amoD(h, imm, va, rd, b)) { h.exitAddr = va; h.exitKind = ACC_W; return EXIT_MISALIGNED; }
      break;
    }

    // ---- F/D memory and compute
    case Op.FLW: {
      const va = x[a + 1] * P32 + (x[a] >>> 0) + imm;
      const p = mmu.r(va);
      fi[rd] = (p & 3) === 0 ? i32[p >>> 2] : ld32(h, va, p); fi[rd + 1] = -1; break;
    }
    case Op.FLD: {
      const va = x[a + 1] * P32 + (x[a] >>> 0) + imm;
      const p = mmu.r(va);
      if ((p & 7) === 0) { const q = p >>> 2; fi[rd] = i32[q]; fi[rd + 1] = i32[q + 1]; }
      else { fi[rd] = ld64(h, va, p); fi[rd + 1] = TMP_I32[1]; }
      break;
    }
    case Op.FSW: {
      const va = x[a + 1] * P32 + (x[a] >>> 0) + imm;
      const p = mmu.w(va);
      if ((p & 3) === 0) i32[p >>> 2] = fi[b]; else st32(h, va, p, fi[b]);
      break;
    }
    case Op.FSD: {
      const va = x[a + 1] * P32 + (x[a] >>> 0) + imm;
      const p = mmu.w(va);
      if ((p & 7) === 0) { const q = p >>> 2; i32[q] = fi[b]; i32[q + 1] = fi[b + 1]; }
      else st64(h, va, p, fi[b], fi[b + 1]);
      break;
    }
    case Op.FP:
      if (!fpExec(h, imm)) { h.exitInst = imm; return EXIT_ILLEGAL; }
      break;

    case Op.FENCE_I: mem.dropAllCode(); break;
    case Op.EBREAK: return EXIT_EBREAK;
    case Op.CSR: if (!csr(h, imm, retired)) { h.exitInst = imm; return EXIT_ILLEGAL; } break;
    default: h.exitInst = imm; return EXIT_ILLEGAL;
  }
  return EXIT_BUDGET;
}

/**
 * Run up to `budget` instructions; returns an EXIT_* reason (see hart.ts). `hot` > 0
 * (the JIT dispatcher only) counts taken jumps and returns EXIT_HOT at a target that
 * reached `hot`, and EXIT_JIT before an instruction marked Op.JIT_ENTRY.
 */
export function run(h: Hart, budget: number, hot = 0): number {
  const x = h.x, fi = h.fi, mem = h.mem, mmu = h.mmu;
  const u8 = mem.u8, u16 = mem.u16, i32 = mem.i32;
  const pc0 = h.pc;
  let pcOff = pc0 & 4095;
  let pageVa = pc0 - pcOff;
  let n = budget;
  let ret = EXIT_BUDGET;
  if (ctMmu !== mmu || ctStamp !== mmu.stamp[0]) { CT_TAG.fill(-1); ctMmu = mmu; ctStamp = mmu.stamp[0]; }
  let code = pageCode(pageVa);
  try {
    loop: for (;;) {
      if ((pcOff >>> 0) >= 4096) {
        const pc = pageVa + pcOff;
        pcOff = pc & 4095; pageVa = pc - pcOff; code = pageCode(pageVa);
      }
      if (--n < 0) { n = 0; break; }
      const s = pcOff;   // two words per 2-byte offset
      const w = code[s];
      const rd = (w >>> Slot.RD) & 127, a = (w >>> Slot.RS1) & 127, b = (w >>> Slot.RS2) & 127;
      const imm = code[s + 1];   // the raw instruction bits for CSR, FP and ILLEGAL
      // Taken jumps and branches leave this block for the one tail below it that counts
      // backward ones (one inlined bump(), not one per kind of branch).
      taken: {
        switch (w & Slot.OP) {
          case Op.UNDECODED:
            code = lookup(h, pageVa + pcOff);
            if (code !== SCRATCH) { const i = (pageVa / 4096) & (CT_SIZE - 1); CT_TAG[i] = pageVa; CT_CODE[i] = code; }
            n++;
            continue;
          case Op.ILLEGAL:
            n++; h.exitInst = imm; ret = EXIT_ILLEGAL; break loop;

          // ---- upper immediates, jumps, branches
          case Op.LUI: x[rd] = imm; x[rd + 1] = imm >> 31; break;
          case Op.AUIPC: {
            const v = pageVa + pcOff + imm;
            x[rd] = v | 0; x[rd + 1] = Math.floor(v / P32) | 0; break;
          }
          case Op.J: break taken;
          case Op.JAL: {
            const r = pageVa + pcOff + (w >>> Slot.LEN);
            x[rd] = r | 0; x[rd + 1] = (r / P32) | 0;
            pcOff += imm; continue;
          }
          case Op.JALR: {
            const t0 = x[a + 1] * P32 + (x[a] >>> 0) + imm;
            const t = t0 - (t0 & 1);
            const r = pageVa + pcOff + (w >>> Slot.LEN);
            x[rd] = r | 0; x[rd + 1] = (r / P32) | 0;
            const d = t - pageVa;
            if (d >= 0 && d < 4096) pcOff = d | 0;
            else { pcOff = t & 4095; pageVa = t - pcOff; code = pageCode(pageVa); }
            continue;
          }
          case Op.BEQ: if (x[a] === x[b] && x[a + 1] === x[b + 1]) break taken; break;
          case Op.BNE: if (x[a] !== x[b] || x[a + 1] !== x[b + 1]) break taken; break;
          case Op.BEQZ: if ((x[a] | x[a + 1]) === 0) break taken; break;
          case Op.BNEZ: if ((x[a] | x[a + 1]) !== 0) break taken; break;
          case Op.BLT: {
            const ah = x[a + 1], bh = x[b + 1];
            if (ah < bh || (ah === bh && (x[a] >>> 0) < (x[b] >>> 0))) break taken;
            break;
          }
          case Op.BGE: {
            const ah = x[a + 1], bh = x[b + 1];
            if (!(ah < bh || (ah === bh && (x[a] >>> 0) < (x[b] >>> 0)))) break taken;
            break;
          }
          case Op.BLTU: {
            const ah = x[a + 1] >>> 0, bh = x[b + 1] >>> 0;
            if (ah < bh || (ah === bh && (x[a] >>> 0) < (x[b] >>> 0))) break taken;
            break;
          }
          case Op.BGEU: {
            const ah = x[a + 1] >>> 0, bh = x[b + 1] >>> 0;
            if (!(ah < bh || (ah === bh && (x[a] >>> 0) < (x[b] >>> 0)))) break taken;
            break;
          }

          // ---- loads
          // The page number and offset of x[a] + imm from the register's two words in small
          // integers (no double, which V8 boxes before TurboFan compiles run(), nor a
          // division): hi * 2^20 + (lo >>> 12) plus the carry of the offset's addition.
          // The full address (addrOf()) only where an access is misaligned.
          case Op.LB: case Op.LBU: case Op.LH: case Op.LHU: case Op.LW: case Op.LWU: case Op.LD: {
            // One translation for all widths (one inlined mmu.rp, not seven); then the width.
            const lo = x[a], q = (lo & 4095) + imm;
            const p = mmu.rp(x[a + 1] * 1048576 + (lo >>> 12) + (q >> 12), q & 4095);
            switch (w & Slot.OP) {
              case Op.LB: { const v = (u8[p] << 24) >> 24; x[rd] = v; x[rd + 1] = v >> 31; break; }
              case Op.LBU: x[rd] = u8[p]; x[rd + 1] = 0; break;
              case Op.LH: {
                const v = (p & 1) === 0 ? (u16[p >>> 1] << 16) >> 16 : ld16s(h, addrOf(x, a, imm), p);
                x[rd] = v; x[rd + 1] = v >> 31; break;
              }
              case Op.LHU: x[rd] = (p & 1) === 0 ? u16[p >>> 1] : ld16u(h, addrOf(x, a, imm), p); x[rd + 1] = 0; break;
              case Op.LW: {
                const v = (p & 3) === 0 ? i32[p >>> 2] : ld32(h, addrOf(x, a, imm), p);
                x[rd] = v; x[rd + 1] = v >> 31; break;
              }
              case Op.LWU: x[rd] = (p & 3) === 0 ? i32[p >>> 2] : ld32(h, addrOf(x, a, imm), p); x[rd + 1] = 0; break;
              default:
                if ((p & 7) === 0) { const k = p >>> 2; const l = i32[k]; x[rd + 1] = i32[k + 1]; x[rd] = l; }
                else { const l = ld64(h, addrOf(x, a, imm), p); x[rd + 1] = TMP_I32[1]; x[rd] = l; }
            }
            break;
          }

          // ---- stores
          case Op.SB: case Op.SH: case Op.SW: case Op.SD: {
            const lo = x[a], q = (lo & 4095) + imm;
            const p = mmu.wp(x[a + 1] * 1048576 + (lo >>> 12) + (q >> 12), q & 4095);
            switch (w & Slot.OP) {
              case Op.SB: u8[p] = x[b]; break;
              case Op.SH: if ((p & 1) === 0) u16[p >>> 1] = x[b]; else st16(h, addrOf(x, a, imm), p, x[b]); break;
              case Op.SW: if ((p & 3) === 0) i32[p >>> 2] = x[b]; else st32(h, addrOf(x, a, imm), p, x[b]); break;
              default:
                if ((p & 7) === 0) { const k = p >>> 2; i32[k] = x[b]; i32[k + 1] = x[b + 1]; }
                else st64(h, addrOf(x, a, imm), p, x[b], x[b + 1]);
            }
            break;
          }

          // ---- register-immediate
          case Op.LI: x[rd] = imm; x[rd + 1] = imm >> 31; break;
          case Op.MV: { const hi = x[a + 1]; x[rd] = x[a]; x[rd + 1] = hi; break; }
          case Op.ADDI: {
            const al = x[a], lo = (al + imm) | 0;
            x[rd + 1] = (x[a + 1] + (imm >> 31) + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0;
            x[rd] = lo; break;
          }
          case Op.SLTI: {
            const ah = x[a + 1], ih = imm >> 31;
            x[rd] = (ah < ih || (ah === ih && (x[a] >>> 0) < (imm >>> 0))) ? 1 : 0; x[rd + 1] = 0; break;
          }
          case Op.SLTIU: {
            const ah = x[a + 1] >>> 0, ih = (imm >> 31) >>> 0;
            x[rd] = (ah < ih || (ah === ih && (x[a] >>> 0) < (imm >>> 0))) ? 1 : 0; x[rd + 1] = 0; break;
          }
          case Op.XORI: { const hi = x[a + 1] ^ (imm >> 31); x[rd] = x[a] ^ imm; x[rd + 1] = hi; break; }
          case Op.ORI: { const hi = x[a + 1] | (imm >> 31); x[rd] = x[a] | imm; x[rd + 1] = hi; break; }
          case Op.ANDI: { const hi = x[a + 1] & (imm >> 31); x[rd] = x[a] & imm; x[rd + 1] = hi; break; }
          case Op.SLLI: {
            const lo = x[a], hi = x[a + 1];
            if (imm === 0) { x[rd] = lo; x[rd + 1] = hi; }
            else if (imm < 32) { x[rd + 1] = (hi << imm) | (lo >>> (32 - imm)); x[rd] = lo << imm; }
            else { x[rd + 1] = lo << (imm - 32); x[rd] = 0; }
            break;
          }
          case Op.SRLI: {
            const lo = x[a], hi = x[a + 1];
            if (imm === 0) { x[rd] = lo; x[rd + 1] = hi; }
            else if (imm < 32) { x[rd] = (lo >>> imm) | (hi << (32 - imm)); x[rd + 1] = hi >>> imm; }
            else { x[rd] = hi >>> (imm - 32); x[rd + 1] = 0; }
            break;
          }
          case Op.SRAI: {
            const lo = x[a], hi = x[a + 1];
            if (imm === 0) { x[rd] = lo; x[rd + 1] = hi; }
            else if (imm < 32) { x[rd] = (lo >>> imm) | (hi << (32 - imm)); x[rd + 1] = hi >> imm; }
            else { x[rd] = hi >> (imm - 32); x[rd + 1] = hi >> 31; }
            break;
          }

          // ---- register-register
          case Op.ADD: {
            const al = x[a], lo = (al + x[b]) | 0;
            x[rd + 1] = (x[a + 1] + x[b + 1] + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0;
            x[rd] = lo; break;
          }
          case Op.SUB: {
            const al = x[a], bl = x[b];
            x[rd + 1] = (x[a + 1] - x[b + 1] - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
            x[rd] = (al - bl) | 0; break;
          }
          case Op.SLL: {
            const lo = x[a], hi = x[a + 1], sh = x[b] & 63;
            if (sh === 0) { x[rd] = lo; x[rd + 1] = hi; }
            else if (sh < 32) { x[rd + 1] = (hi << sh) | (lo >>> (32 - sh)); x[rd] = lo << sh; }
            else { x[rd + 1] = lo << (sh - 32); x[rd] = 0; }
            break;
          }
          case Op.SRL: {
            const lo = x[a], hi = x[a + 1], sh = x[b] & 63;
            if (sh === 0) { x[rd] = lo; x[rd + 1] = hi; }
            else if (sh < 32) { x[rd] = (lo >>> sh) | (hi << (32 - sh)); x[rd + 1] = hi >>> sh; }
            else { x[rd] = hi >>> (sh - 32); x[rd + 1] = 0; }
            break;
          }
          case Op.SRA: {
            const lo = x[a], hi = x[a + 1], sh = x[b] & 63;
            if (sh === 0) { x[rd] = lo; x[rd + 1] = hi; }
            else if (sh < 32) { x[rd] = (lo >>> sh) | (hi << (32 - sh)); x[rd + 1] = hi >> sh; }
            else { x[rd] = hi >> (sh - 32); x[rd + 1] = hi >> 31; }
            break;
          }
          case Op.SLT: {
            const ah = x[a + 1], bh = x[b + 1];
            x[rd] = (ah < bh || (ah === bh && (x[a] >>> 0) < (x[b] >>> 0))) ? 1 : 0; x[rd + 1] = 0; break;
          }
          case Op.SLTU: {
            const ah = x[a + 1] >>> 0, bh = x[b + 1] >>> 0;
            x[rd] = (ah < bh || (ah === bh && (x[a] >>> 0) < (x[b] >>> 0))) ? 1 : 0; x[rd + 1] = 0; break;
          }
          case Op.XOR: { const hi = x[a + 1] ^ x[b + 1]; x[rd] = x[a] ^ x[b]; x[rd + 1] = hi; break; }
          case Op.OR: { const hi = x[a + 1] | x[b + 1]; x[rd] = x[a] | x[b]; x[rd + 1] = hi; break; }
          case Op.AND: { const hi = x[a + 1] & x[b + 1]; x[rd] = x[a] & x[b]; x[rd + 1] = hi; break; }

          // ---- 32-bit ops
          case Op.ADDIW: { const v = (x[a] + imm) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; }
          case Op.SLLIW: { const v = x[a] << imm; x[rd] = v; x[rd + 1] = v >> 31; break; }
          case Op.SRLIW: { const v = (x[a] >>> imm) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; }
          case Op.SRAIW: { const v = x[a] >> imm; x[rd] = v; x[rd + 1] = v >> 31; break; }
          case Op.ADDW: { const v = (x[a] + x[b]) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; }
          case Op.SUBW: { const v = (x[a] - x[b]) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; }
          case Op.SLLW: { const v = x[a] << (x[b] & 31); x[rd] = v; x[rd + 1] = v >> 31; break; }
          case Op.SRLW: { const v = (x[a] >>> (x[b] & 31)) | 0; x[rd] = v; x[rd + 1] = v >> 31; break; }
          case Op.SRAW: { const v = x[a] >> (x[b] & 31); x[rd] = v; x[rd + 1] = v >> 31; break; }

          // ---- M
          case Op.MUL: md.mul(x, rd, a, b); break;
          case Op.MULH: md.mulh(x, rd, a, b); break;
          case Op.MULHSU: md.mulhsu(x, rd, a, b); break;
          case Op.MULHU: md.mulhu(x, rd, a, b); break;
          case Op.DIV: md.div(x, rd, a, b); break;
          case Op.DIVU: md.divu(x, rd, a, b); break;
          case Op.REM: md.rem(x, rd, a, b); break;
          case Op.REMU: md.remu(x, rd, a, b); break;
          case Op.MULW: { const v = Math.imul(x[a], x[b]); x[rd] = v; x[rd + 1] = v >> 31; break; }
          case Op.DIVW: md.divw(x, rd, a, b); break;
          case Op.DIVUW: md.divuw(x, rd, a, b); break;
          case Op.REMW: md.remw(x, rd, a, b); break;
          case Op.REMUW: md.remuw(x, rd, a, b); break;

          // ---- system
          case Op.FENCE: break;
          case Op.ECALL:
            // Not for the JIT's cold-code runs (hot > 0): its dispatcher handles the exit (jit.ts).
            if (hot === 0 && ecallFast !== null && ecallFast(h)) break;
            ret = EXIT_ECALL; break loop;
          case Op.JIT_ENTRY: n++; ret = EXIT_JIT; break loop;
          default: {
            const r = rare(h, w, imm, h.instret + (budget - n - 1));
            if (r !== EXIT_BUDGET) { n++; ret = r; break loop; }
          }
        }
        pcOff += w >>> Slot.LEN;
        continue;
      }
      pcOff += imm;
      if (imm < 0 && hot !== 0 && bump(pageVa + pcOff, hot)) { ret = EXIT_HOT; break loop; }
    }
  } catch (e) {
    if (e !== FAULT) throw e;
    n++;
    h.exitAddr = FAULT.addr; h.exitKind = FAULT.kind;
    ret = EXIT_FAULT;
  }
  h.pc = pageVa + pcOff;
  h.instret += budget - n;
  return ret;
}
