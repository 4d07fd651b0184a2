// F and D extension compute instructions (OP-FP and the fused multiply-add family).
//
// Arithmetic is done on JS doubles, which round to nearest-even. For the other
// rounding modes and for the NX/UF/OF flags, each fast path also obtains the sign of
// the exact rounding error with error-free transformations (TwoSum for add, Dekker
// TwoProduct for mul, the remainder a - q*b for div, q*q - a for sqrt) and then steps
// one ulp in the mode's direction. Singles are computed in double (exact for + - *,
// correctly rounded with a known error sign for / and sqrt) and then rounded to
// binary32 with that sign as a sticky bit. Anything near overflow or the subnormal
// range falls back to exact BigInt arithmetic in softfloat.ts. Double FMA uses
// Boldo–Melquiond emulation (round-to-odd of the low part), with the same fallback.
import { Hart } from './hart.js';
import {
  RNE, RTZ, RDN, RUP, RMM, NV, DZ, OF, NX, MAX_S, pow2, sf,
  sAdd, sMul, sDiv, sSqrt, sFma, sRound,
} from './softfloat.js';

const buf = new ArrayBuffer(8);
const bf64 = new Float64Array(buf);
const bf32 = new Float32Array(buf);
const bi32 = new Int32Array(buf);

const CNAN_S = 0x7fc00000;
const MIN_NORM_S = 1.1754943508222875e-38; // 2^-126
const SPLIT = 134217729; // 2^27 + 1
const SMALL = pow2(-950);
const BIG = pow2(995);
const HUGE = pow2(1020); // keeps the split products in TwoProduct from overflowing
const TINY_D = pow2(-1000);
const TWO32 = 4294967296;

/** Flags raised by the instruction being executed. */
let fl = 0;
/** Set by roundF when the fast path cannot decide and the exact path must run. */
let slow = false;

function takeSlow(v: number): number { fl |= sf.flags; sf.flags = 0; return v; }

function isNeg(x: number): boolean { return x < 0 || (x === 0 && 1 / x < 0); }

// ---- bit-level helpers ----

/** Step |x| up (dir=1) or down (dir=-1) by one ulp of binary64. Raises OF on reaching inf. */
function stepD(x: number, dir: number): number {
  bf64[0] = x;
  let lo = bi32[0], hi = bi32[1];
  if (dir > 0) { lo = (lo + 1) | 0; if (lo === 0) hi = (hi + 1) | 0; }
  else { if (lo === 0) hi = (hi - 1) | 0; lo = (lo - 1) | 0; }
  bi32[0] = lo; bi32[1] = hi;
  const r = bf64[0];
  if (r === Infinity || r === -Infinity) fl |= OF;
  return r;
}

/** Step |f| by one ulp of binary32 (f a nonzero binary32 value). */
function stepF(f: number, dir: number): number {
  bf32[0] = f;
  bi32[0] = (bi32[0] + dir) | 0;
  return bf32[0];
}

/** Half an ulp of a normal double r. */
function halfUlpD(r: number): number {
  bf64[0] = r;
  return pow2(((bi32[1] >>> 20) & 0x7ff) - 1076);
}

/** Exact error of s = fl(a + b): returns a + b - s (Fast2Sum on magnitude-ordered operands,
 * which cannot overflow in its intermediate step). */
function sumErr(a: number, b: number, s: number): number {
  return Math.abs(a) >= Math.abs(b) ? b - (s - a) : a - (s - b);
}

/** Split-based exact error of the product p = fl(a*b): returns a*b - p. */
function prodErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return (((ah * bh - p) + ah * bl) + al * bh) + al * bl;
}

/**
 * Apply rm to the nearest-even double r of an inexact exact value whose error
 * (exact - r) has the sign of err. r must be normal and not tiny-adjacent.
 * tieable: err is the exact error (so an exact halfway case can be detected for RMM).
 */
function roundD(r: number, err: number, rm: number, tieable: boolean): number {
  fl |= NX;
  switch (rm) {
    case RNE: return r;
    case RTZ: return (err < 0) !== (r < 0) ? stepD(r, -1) : r;
    case RDN: return err < 0 ? stepD(r, r < 0 ? 1 : -1) : r;
    case RUP: return err > 0 ? stepD(r, r > 0 ? 1 : -1) : r;
    default:
      if (tieable && (err < 0) === (r < 0) && Math.abs(err) === halfUlpD(r)) return stepD(r, 1);
      return r;
  }
}

/**
 * Round to binary32 the exact value d + e, where d is a double and e has the sign of s
 * and is much smaller than an ulp of d (s = 0: d is exact). Sets `slow` when the
 * result is infinite or may be tiny (the caller then uses the exact path).
 */
function roundF(d: number, s: number, rm: number): number {
  const f = Math.fround(d);
  const af = Math.abs(f);
  if (d === f && s === 0) return f;
  if (!(af > MIN_NORM_S) || af === Infinity) { slow = true; return 0; }
  fl |= NX;
  let r: number;
  if (d === f) {
    switch (rm) {
      case RTZ: r = (s < 0) !== (f < 0) ? stepF(f, -1) : f; break;
      case RDN: r = s < 0 ? stepF(f, f < 0 ? 1 : -1) : f; break;
      case RUP: r = s > 0 ? stepF(f, f > 0 ? 1 : -1) : f; break;
      default: r = f; break;
    }
  } else {
    const g = stepF(f, (d > f) === (f > 0) ? 1 : -1); // the other binary32 neighbour of d
    switch (rm) {
      case RTZ: r = Math.abs(g) < af ? g : f; break;
      case RDN: r = g < f ? g : f; break;
      case RUP: r = g > f ? g : f; break;
      default: {
        const df = Math.abs(d - f), dg = Math.abs(g - d);
        if (df !== dg) r = f;
        else if (s === 0) r = rm === RNE ? f : (Math.abs(g) > af ? g : f);
        else r = (s > 0) === (g > f) ? g : f;
      }
    }
  }
  if (r === Infinity || r === -Infinity) fl |= OF;
  return r;
}

// ---- double-precision operations (operands are not NaN) ----

function addD(a: number, b: number, rm: number): number {
  const r = a + b;
  if (r !== r) { fl |= NV; return NaN; }
  if (r === 0) {
    if (rm === RDN) return (a === 0 && b === 0 && 1 / a > 0 && 1 / b > 0) ? 0 : -0;
    return r;
  }
  if (r === Infinity || r === -Infinity) {
    if (a === r || b === r) return r;
    return takeSlow(sAdd(a, b, false, rm));
  }
  const err = sumErr(a, b, r);
  if (err === 0) return r;
  return roundD(r, err, rm, true);
}

function mulD(a: number, b: number, rm: number): number {
  const r = a * b;
  if (r !== r) { fl |= NV; return NaN; }
  if (a === 0 || b === 0 || a === Infinity || a === -Infinity || b === Infinity || b === -Infinity) return r;
  const ar = Math.abs(r);
  if (ar >= SMALL && ar < HUGE && Math.abs(a) < BIG && Math.abs(b) < BIG) {
    const err = prodErr(a, b, r);
    if (err === 0) return r;
    return roundD(r, err, rm, true);
  }
  return takeSlow(sMul(a, b, false, rm));
}

function divD(a: number, b: number, rm: number): number {
  if (b === 0) {
    if (a === 0) { fl |= NV; return NaN; }
    if (a === Infinity || a === -Infinity) return a / b;
    fl |= DZ;
    return a / b;
  }
  const r = a / b;
  if (r !== r) { fl |= NV; return NaN; }
  if (a === 0 || a === Infinity || a === -Infinity || b === Infinity || b === -Infinity) return r;
  const ar = Math.abs(r);
  if (ar >= SMALL && ar < BIG && Math.abs(b) < BIG && Math.abs(a) >= SMALL && Math.abs(a) < HUGE) {
    const p = r * b;
    const rem = (a - p) - prodErr(r, b, p);
    if (rem === 0) return r;
    return roundD(r, (rem < 0) !== (b < 0) ? -1 : 1, rm, false);
  }
  return takeSlow(sDiv(a, b, false, rm));
}

function sqrtD(a: number, rm: number): number {
  if (a === 0 || a === Infinity) return a;
  if (a < 0) { fl |= NV; return NaN; }
  let x = a, sc = 1;
  if (a < SMALL) { x = a * pow2(200); sc = pow2(-100); }
  else if (a > pow2(1000)) { x = a * pow2(-200); sc = pow2(100); }
  const q = Math.sqrt(x);
  const p = q * q;
  const d = (p - x) + prodErr(q, q, p); // sign of q*q - x
  const r = q * sc;
  if (d === 0) return r;
  return roundD(r, -d, rm, false);
}

/** a*b + c with one rounding; operands not NaN, 0*inf already excluded. */
function fmaD(a: number, b: number, c: number, rm: number): number {
  const aInf = a === Infinity || a === -Infinity, bInf = b === Infinity || b === -Infinity;
  if (aInf || bInf) {
    const p = a * b; // ±inf
    if ((c === Infinity || c === -Infinity) && c !== p) { fl |= NV; return NaN; }
    return p;
  }
  if (c === Infinity || c === -Infinity) return c;
  if (a === 0 || b === 0) {
    const p = a * b;
    if (c === 0) return addD(p, c, rm);
    return c;
  }
  if (c === 0) return mulD(a, b, rm);
  const p = a * b;
  const ap = Math.abs(p);
  if (ap >= SMALL && ap < HUGE && Math.abs(a) < BIG && Math.abs(b) < BIG) {
    const pe = prodErr(a, b, p);
    const th = c + p;
    if (th !== Infinity && th !== -Infinity) {
      const tl = sumErr(c, p, th);
      let v = tl + pe;
      const ve = sumErr(tl, pe, v);
      if (ve !== 0) {
        bf64[0] = v;
        if ((bi32[0] & 1) === 0) v = stepD(v, (ve > 0) === (v > 0) ? 1 : -1); // round to odd
      }
      const r = th + v;
      if (r !== Infinity && r !== -Infinity) {
        const e2 = sumErr(th, v, r);
        const g = e2 + ve; // sign of exact - r
        if (g === 0) return r === 0 ? (rm === RDN ? -0 : 0) : r;
        if (Math.abs(r) >= TINY_D) {
          const ge = sumErr(e2, ve, g);
          return roundD(r, g, rm, ge === 0);
        }
      }
    }
  }
  return takeSlow(sFma(a, b, c, false, rm));
}

// ---- single-precision operations (operands are binary32 values, not NaN) ----

function addS(a: number, b: number, rm: number): number {
  const d = a + b; // exact in range; error below
  if (d !== d) { fl |= NV; return NaN; }
  if (d === 0) {
    if (rm === RDN) return (a === 0 && b === 0 && 1 / a > 0 && 1 / b > 0) ? 0 : -0;
    return d;
  }
  if (d === Infinity || d === -Infinity) return d;
  const r = roundF(d, sumErr(a, b, d), rm);
  if (slow) { slow = false; return takeSlow(sAdd(a, b, true, rm)); }
  return r;
}

function mulS(a: number, b: number, rm: number): number {
  const d = a * b; // exact
  if (d !== d) { fl |= NV; return NaN; }
  if (d === 0 || d === Infinity || d === -Infinity) return d;
  const r = roundF(d, 0, rm);
  if (slow) { slow = false; return takeSlow(sRound(d, true, rm)); }
  return r;
}

function divS(a: number, b: number, rm: number): number {
  if (b === 0) {
    if (a === 0) { fl |= NV; return NaN; }
    if (a !== Infinity && a !== -Infinity) fl |= DZ;
    return a / b;
  }
  const d = a / b;
  if (d !== d) { fl |= NV; return NaN; }
  if (a === 0 || a === Infinity || a === -Infinity || b === Infinity || b === -Infinity) return d;
  const p = d * b;
  const rem = (a - p) - prodErr(d, b, p);
  const r = roundF(d, rem === 0 ? 0 : (rem < 0) !== (b < 0) ? -1 : 1, rm);
  if (slow) { slow = false; return takeSlow(sDiv(a, b, true, rm)); }
  return r;
}

function sqrtS(a: number, rm: number): number {
  if (a === 0 || a === Infinity) return a;
  if (a < 0) { fl |= NV; return NaN; }
  const d = Math.sqrt(a);
  const p = d * d;
  const e = (p - a) + prodErr(d, d, p);
  const r = roundF(d, -e, rm);
  if (slow) { slow = false; return takeSlow(sSqrt(a, true, rm)); }
  return r;
}

function fmaS(a: number, b: number, c: number, rm: number): number {
  const p = a * b; // exact in double
  if (p === Infinity || p === -Infinity) {
    if ((c === Infinity || c === -Infinity) && c !== p) { fl |= NV; return NaN; }
    return p;
  }
  if (c === Infinity || c === -Infinity) return c;
  const d = p + c;
  if (d === 0) {
    if (rm === RDN) return (p === 0 && c === 0 && 1 / p > 0 && 1 / c > 0) ? 0 : -0;
    return d;
  }
  const r = roundF(d, sumErr(p, c, d), rm);
  if (slow) { slow = false; return takeSlow(sAdd(p, c, true, rm)); }
  return r;
}

// ---- conversions ----

let cvInexact = false;
/** Round a finite double to an integer-valued double per rm. */
function roundInt(v: number, rm: number): number {
  const t = Math.trunc(v);
  const fr = v - t;
  if (fr === 0) return t;
  cvInexact = true;
  switch (rm) {
    case RNE: {
      const a = Math.abs(fr);
      return (a > 0.5 || (a === 0.5 && t % 2 !== 0)) ? t + (v < 0 ? -1 : 1) : t;
    }
    case RTZ: return t;
    case RDN: return Math.floor(v);
    case RUP: return Math.ceil(v);
    default: return Math.abs(fr) >= 0.5 ? t + (v < 0 ? -1 : 1) : t;
  }
}

/** fcvt.{w,wu,l,lu}.{s,d}: kind 0 w, 1 wu, 2 l, 3 lu. Writes x[rd]. */
function cvtToInt(h: Hart, rd: number, v: number, rm: number, kind: number): void {
  cvInexact = false;
  let R: number;
  let lo = 0, hi = 0;
  if (v !== v) R = Infinity;
  else if (v === Infinity || v === -Infinity) R = v;
  else R = roundInt(v, rm);
  switch (kind) {
    case 0:
      if (R > 2147483647) { fl |= NV; lo = 0x7fffffff; }
      else if (R < -2147483648) { fl |= NV; lo = -2147483648; }
      else { lo = R | 0; if (cvInexact) fl |= NX; }
      hi = lo >> 31;
      break;
    case 1:
      if (R > 4294967295) { fl |= NV; lo = -1; }
      else if (R < 0) { fl |= NV; lo = 0; }
      else { lo = R | 0; if (cvInexact) fl |= NX; }
      hi = lo >> 31;
      break;
    case 2:
      if (R >= 9223372036854775808) { fl |= NV; lo = -1; hi = 0x7fffffff; }
      else if (R < -9223372036854775808) { fl |= NV; lo = 0; hi = -2147483648; }
      else {
        const hf = Math.floor(R / TWO32);
        lo = (R - hf * TWO32) | 0; hi = hf | 0;
        if (cvInexact) fl |= NX;
      }
      break;
    default:
      if (R >= 18446744073709551616) { fl |= NV; lo = -1; hi = -1; }
      else if (R < 0) { fl |= NV; lo = 0; hi = 0; }
      else {
        const hf = Math.floor(R / TWO32);
        lo = (R - hf * TWO32) | 0; hi = hf | 0;
        if (cvInexact) fl |= NX;
      }
  }
  if (rd !== 0) { h.x[2 * rd] = lo; h.x[2 * rd + 1] = hi; }
}

/** fcvt.{s,d}.{w,wu,l,lu}: the rounded value of integer register rs1. */
function cvtFromInt(h: Hart, rs1: number, kind: number, single: boolean, rm: number): number {
  const lo = h.x[2 * rs1], hi = h.x[2 * rs1 + 1];
  let d: number, err = 0;
  switch (kind) {
    case 0: d = lo; break;
    case 1: d = lo >>> 0; break;
    default: {
      const a = (kind === 2 ? hi : hi >>> 0) * TWO32, b = lo >>> 0;
      d = a + b;
      err = sumErr(a, b, d);
    }
  }
  if (single) return roundF(d, err, rm); // never tiny nor overflowing
  if (err === 0) return d;
  return roundD(d, err, rm, true);
}

// ---- register access ----

let opBits = 0; // raw binary32 bits of the last single operand read (after unboxing)

/** Read f[r] as binary32 (canonical NaN if not NaN-boxed); bits left in opBits. */
function rdS(h: Hart, r: number): number {
  const b = h.fi[2 * r + 1] === -1 ? h.fi[2 * r] : CNAN_S;
  opBits = b;
  bi32[0] = b;
  return bf32[0];
}
function isSNaNS(b: number): boolean { return (b & 0x7fc00000) === 0x7f800000 && (b & 0x3fffff) !== 0; }
function isSNaND(h: Hart, r: number): boolean {
  const hi = h.fi[2 * r + 1];
  return (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x7ffff) !== 0 || h.fi[2 * r] !== 0);
}

function wrS(h: Hart, rd: number, v: number): void {
  const i = 2 * rd;
  if (v !== v) h.fi[i] = CNAN_S;
  else { bf32[0] = v; h.fi[i] = bi32[0]; }
  h.fi[i + 1] = -1;
}
function wrD(h: Hart, rd: number, v: number): void {
  if (v !== v) { h.fi[2 * rd] = 0; h.fi[2 * rd + 1] = 0x7ff80000; }
  else h.f64[rd] = v;
}
function wrX(h: Hart, rd: number, v: number): void {
  if (rd !== 0) { h.x[2 * rd] = v; h.x[2 * rd + 1] = v >> 31; }
}

/** IEEE 754-2019 minimumNumber / maximumNumber. */
function minmax(a: number, b: number, isMax: boolean): number {
  if (a !== a) return b;
  if (b !== b) return a;
  if (a === b) {
    if (a !== 0) return a;
    const an = 1 / a < 0, bn = 1 / b < 0;
    return isMax ? (an && bn ? -0 : 0) : (an || bn ? -0 : 0);
  }
  return isMax ? (a > b ? a : b) : (a < b ? a : b);
}

function fclass(neg: boolean, expAllOnes: boolean, expZero: boolean, mantZero: boolean, quiet: boolean): number {
  if (expAllOnes) {
    if (mantZero) return neg ? 1 : 1 << 7;
    return quiet ? 1 << 9 : 1 << 8;
  }
  if (expZero) {
    if (mantZero) return neg ? 1 << 3 : 1 << 4;
    return neg ? 1 << 2 : 1 << 5;
  }
  return neg ? 1 << 1 : 1 << 6;
}

function arithD(op: number, a: number, b: number, rm: number): number {
  switch (op) {
    case 0: return addD(a, b, rm);
    case 1: return addD(a, -b, rm);
    case 2: return mulD(a, b, rm);
    default: return divD(a, b, rm);
  }
}
function arithS(op: number, a: number, b: number, rm: number): number {
  switch (op) {
    case 0: return addS(a, b, rm);
    case 1: return addS(a, -b, rm);
    case 2: return mulS(a, b, rm);
    default: return divS(a, b, rm);
  }
}

/** Execute an OP-FP / FMADD-family instruction; false means illegal instruction. */
export function fpExec(h: Hart, inst: number): boolean {
  const opcode = inst & 0x7f;
  const fmt = (inst >>> 25) & 3;
  if (fmt > 1) return false;
  const single = fmt === 0;
  const rd = (inst >>> 7) & 31, rs1 = (inst >>> 15) & 31, rs2 = (inst >>> 20) & 31;
  const rm3 = (inst >>> 12) & 7;
  const rm = rm3 === 7 ? h.frm : rm3;
  fl = 0;

  if (opcode !== 0x53) {
    if (opcode !== 0x43 && opcode !== 0x47 && opcode !== 0x4b && opcode !== 0x4f) return false;
    if (rm > 4) return false;
    const rs3 = inst >>> 27;
    let a: number, b: number, c: number, sn: boolean;
    if (single) {
      a = rdS(h, rs1); sn = isSNaNS(opBits);
      b = rdS(h, rs2); sn = sn || isSNaNS(opBits);
      c = rdS(h, rs3); sn = sn || isSNaNS(opBits);
    } else {
      a = h.f64[rs1]; b = h.f64[rs2]; c = h.f64[rs3];
      sn = isSNaND(h, rs1) || isSNaND(h, rs2) || isSNaND(h, rs3);
    }
    if (opcode === 0x4b || opcode === 0x4f) a = -a;
    if (opcode === 0x47 || opcode === 0x4f) c = -c;
    let r: number;
    if (sn || ((a === 0 && (b === Infinity || b === -Infinity)) || (b === 0 && (a === Infinity || a === -Infinity)))) {
      fl |= NV; r = NaN;
    } else if (a !== a || b !== b || c !== c) r = NaN;
    else r = single ? fmaS(a, b, c, rm) : fmaD(a, b, c, rm);
    if (single) wrS(h, rd, r); else wrD(h, rd, r);
    h.fflags |= fl;
    return true;
  }

  const f5 = inst >>> 27;
  switch (f5) {
    case 0x00: case 0x01: case 0x02: case 0x03: {
      if (rm > 4) return false;
      if (single) {
        const a = rdS(h, rs1), ab = opBits, b = rdS(h, rs2), bb = opBits;
        let r: number;
        if (a !== a || b !== b) { if (isSNaNS(ab) || isSNaNS(bb)) fl |= NV; r = NaN; }
        else r = arithS(f5, a, b, rm);
        wrS(h, rd, r);
      } else {
        const a = h.f64[rs1], b = h.f64[rs2];
        let r: number;
        if (a !== a || b !== b) { if (isSNaND(h, rs1) || isSNaND(h, rs2)) fl |= NV; r = NaN; }
        else r = arithD(f5, a, b, rm);
        wrD(h, rd, r);
      }
      break;
    }
    case 0x0b: { // fsqrt
      if (rs2 !== 0 || rm > 4) return false;
      if (single) {
        const a = rdS(h, rs1);
        let r: number;
        if (a !== a) { if (isSNaNS(opBits)) fl |= NV; r = NaN; } else r = sqrtS(a, rm);
        wrS(h, rd, r);
      } else {
        const a = h.f64[rs1];
        let r: number;
        if (a !== a) { if (isSNaND(h, rs1)) fl |= NV; r = NaN; } else r = sqrtD(a, rm);
        wrD(h, rd, r);
      }
      break;
    }
    case 0x04: { // fsgnj, fsgnjn, fsgnjx
      if (rm3 > 2) return false;
      if (single) {
        rdS(h, rs1); const b1 = opBits;
        rdS(h, rs2); const b2 = opBits;
        const s = rm3 === 0 ? b2 : rm3 === 1 ? ~b2 : b1 ^ b2;
        h.fi[2 * rd] = (b1 & 0x7fffffff) | (s & 0x80000000);
        h.fi[2 * rd + 1] = -1;
      } else {
        const lo = h.fi[2 * rs1], h1 = h.fi[2 * rs1 + 1], h2 = h.fi[2 * rs2 + 1];
        const s = rm3 === 0 ? h2 : rm3 === 1 ? ~h2 : h1 ^ h2;
        h.fi[2 * rd] = lo;
        h.fi[2 * rd + 1] = (h1 & 0x7fffffff) | (s & 0x80000000);
      }
      break;
    }
    case 0x05: { // fmin, fmax
      if (rm3 > 1) return false;
      if (single) {
        const a = rdS(h, rs1), ab = opBits, b = rdS(h, rs2), bb = opBits;
        if (isSNaNS(ab) || isSNaNS(bb)) fl |= NV;
        wrS(h, rd, minmax(a, b, rm3 === 1));
      } else {
        const a = h.f64[rs1], b = h.f64[rs2];
        if (isSNaND(h, rs1) || isSNaND(h, rs2)) fl |= NV;
        wrD(h, rd, minmax(a, b, rm3 === 1));
      }
      break;
    }
    case 0x08: { // fcvt.s.d, fcvt.d.s
      if (rs2 !== (single ? 1 : 0) || rm > 4) return false;
      if (single) {
        const v = h.f64[rs1];
        let r: number;
        if (v !== v) { if (isSNaND(h, rs1)) fl |= NV; r = NaN; }
        else if (v === 0 || v === Infinity || v === -Infinity) r = v;
        else {
          r = roundF(v, 0, rm);
          if (slow) { slow = false; r = takeSlow(sRound(v, true, rm)); }
        }
        wrS(h, rd, r);
      } else {
        const v = rdS(h, rs1);
        if (v !== v && isSNaNS(opBits)) fl |= NV;
        wrD(h, rd, v);
      }
      break;
    }
    case 0x14: { // fle, flt, feq
      if (rm3 > 2) return false;
      let a: number, b: number, sn: boolean;
      if (single) {
        a = rdS(h, rs1); sn = isSNaNS(opBits);
        b = rdS(h, rs2); sn = sn || isSNaNS(opBits);
      } else {
        a = h.f64[rs1]; b = h.f64[rs2];
        sn = isSNaND(h, rs1) || isSNaND(h, rs2);
      }
      let r: boolean;
      if (rm3 === 2) { if (sn) fl |= NV; r = a === b; }
      else {
        if (a !== a || b !== b) fl |= NV;
        r = rm3 === 1 ? a < b : a <= b;
      }
      wrX(h, rd, r ? 1 : 0);
      break;
    }
    case 0x18: { // fcvt.{w,wu,l,lu}.fmt
      if (rs2 > 3 || rm > 4) return false;
      const v = single ? rdS(h, rs1) : h.f64[rs1];
      cvtToInt(h, rd, v, rm, rs2);
      break;
    }
    case 0x1a: { // fcvt.fmt.{w,wu,l,lu}
      if (rs2 > 3 || rm > 4) return false;
      const r = cvtFromInt(h, rs1, rs2, single, rm);
      if (single) wrS(h, rd, r); else wrD(h, rd, r);
      break;
    }
    case 0x1c: { // fmv.x.fmt, fclass
      if (rs2 !== 0) return false;
      if (rm3 === 0) {
        if (rd === 0) break;
        if (single) wrX(h, rd, h.fi[2 * rs1]);
        else { h.x[2 * rd] = h.fi[2 * rs1]; h.x[2 * rd + 1] = h.fi[2 * rs1 + 1]; }
      } else if (rm3 === 1) {
        let c: number;
        if (single) {
          rdS(h, rs1);
          const b = opBits, e = (b >>> 23) & 0xff;
          c = fclass(b < 0, e === 0xff, e === 0, (b & 0x7fffff) === 0, (b & 0x400000) !== 0);
        } else {
          const hi = h.fi[2 * rs1 + 1], lo = h.fi[2 * rs1], e = (hi >>> 20) & 0x7ff;
          c = fclass(hi < 0, e === 0x7ff, e === 0, ((hi & 0xfffff) | lo) === 0, (hi & 0x80000) !== 0);
        }
        wrX(h, rd, c);
      } else return false;
      break;
    }
    case 0x1e: { // fmv.w.x, fmv.d.x
      if (rs2 !== 0 || rm3 !== 0) return false;
      h.fi[2 * rd] = h.x[2 * rs1];
      h.fi[2 * rd + 1] = single ? -1 : h.x[2 * rs1 + 1];
      break;
    }
    default:
      return false;
  }
  h.fflags |= fl;
  return true;
}

/** For tests: round-trip helpers exposed without a Hart. */
export const _internal = { isNeg, MAX_S };
