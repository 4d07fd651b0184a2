// Exact (BigInt) IEEE 754 binary32/binary64 arithmetic: the slow path of fpu.ts.
// Used only for the rare cases the fast double-based paths cannot round exactly
// (overflow, results near or below the subnormal threshold, huge operands) and for
// double-precision FMA corner cases. Values travel as JS numbers: every binary32 and
// binary64 value is exactly a double; the format only decides the rounding.
// Tininess is detected after rounding, as RISC-V requires.

export const RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4;
export const NV = 16, DZ = 8, OF = 4, UF = 2, NX = 1;

/** Flags raised by the last call of an exported slow-path function (each call resets them). */
export const sf = { flags: 0 };

export const MAX_S = 3.4028234663852886e38;
export const MAX_D = Number.MAX_VALUE;

const P2 = new Float64Array(2200);
{
  let v = 1;
  for (let k = 0; k <= 1023; k++) { P2[k + 1100] = v; v *= 2; }
  v = 1;
  for (let k = 0; k >= -1074; k--) { P2[k + 1100] = v; v /= 2; }
}
/** 2^k for -1074 <= k <= 1023 (exact). */
export function pow2(k: number): number { return P2[k + 1100]; }

const sbuf = new ArrayBuffer(8);
const sd = new Float64Array(sbuf);
const si = new Int32Array(sbuf);

let dNeg = false, dMant = 0n, dExp = 0;
/** Split finite nonzero x into sign, integer mantissa and exponent: x = ±dMant * 2^dExp. */
function decompose(x: number): void {
  sd[0] = x;
  const hi = si[1], lo = si[0];
  dNeg = hi < 0;
  const E = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo >>> 0);
  if (E === 0) dExp = -1074;
  else { m |= 1n << 52n; dExp = E - 1075; }
  dMant = m;
}

function bitlen(m: bigint): number { return m.toString(2).length; }

let rsInexact = false;
/** m >> sh rounded per rm; sticky says nonzero bits lie below m's lowest bit. */
function rshiftRound(m: bigint, sh: number, sticky: boolean, neg: boolean, rm: number): bigint {
  const bs = BigInt(sh);
  const q = m >> bs;
  const rem = m - (q << bs);
  rsInexact = rem !== 0n || sticky;
  if (!rsInexact) return q;
  let inc = false;
  switch (rm) {
    case RNE: {
      const half = 1n << (bs - 1n);
      inc = rem > half || (rem === half && (sticky || (q & 1n) === 1n));
      break;
    }
    case RMM: inc = rem >= (1n << (bs - 1n)); break;
    case RDN: inc = neg; break;
    case RUP: inc = !neg; break;
    default: break; // RTZ
  }
  return inc ? q + 1n : q;
}

/**
 * Round ±m * 2^e (+ sticky: something strictly between 0 and 2^e more in magnitude)
 * to binary32 (single) or binary64 under rm. When sticky is set, m must carry at
 * least p+2 bits. Raises NX, UF (tiny after rounding and inexact), OF into sf.flags.
 */
export function roundPack(neg: boolean, m: bigint, e: number, sticky: boolean, single: boolean, rm: number): number {
  const p = single ? 24 : 53, emin = single ? -126 : -1022, emax = single ? 127 : 1023;
  const nb = bitlen(m);
  const E = e + nb - 1;
  let tiny = false;
  if (E < emin) {
    // Tininess after rounding: round to p bits with an unbounded exponent range.
    let E1 = E;
    const sh = nb - p;
    if (sh > 0 && bitlen(rshiftRound(m, sh, sticky, neg, rm)) > p) E1++;
    tiny = E1 < emin;
  }
  let q = Math.max(E, emin) - (p - 1);
  const sh = q - e;
  let mr: bigint;
  let inexact: boolean;
  if (sh <= 0) { mr = m << BigInt(-sh); inexact = sticky; }
  else { mr = rshiftRound(m, sh, sticky, neg, rm); inexact = rsInexact; }
  if ((mr >> BigInt(p)) !== 0n) { mr >>= 1n; q++; }
  let flags = 0;
  if (inexact) { flags |= NX; if (tiny) flags |= UF; }
  let v: number;
  if (q + p - 1 > emax) {
    flags |= OF | NX;
    const toInf = rm === RNE || rm === RMM || (rm === RDN && neg) || (rm === RUP && !neg);
    v = toInf ? Infinity : (single ? MAX_S : MAX_D);
  } else {
    v = Number(mr) * pow2(q);
  }
  sf.flags |= flags;
  return neg ? -v : v;
}

/** Round a finite double value to the format (binary64 values are returned as is). */
export function sRound(x: number, single: boolean, rm: number): number {
  sf.flags = 0;
  if (x === 0 || x !== x || x === Infinity || x === -Infinity) return x;
  decompose(x);
  return roundPack(dNeg, dMant, dExp, false, single, rm);
}

function isNeg(x: number): boolean { return x < 0 || (x === 0 && 1 / x < 0); }

/** Sign of an exact zero sum of zeros/cancelling terms. */
function zeroSum(aNeg: boolean, bNeg: boolean, rm: number): number {
  if (aNeg === bNeg) return aNeg ? -0 : 0;
  return rm === RDN ? -0 : 0;
}

function addParts(an: boolean, am: bigint, ae: number, bn: boolean, bm: bigint, be: number,
  single: boolean, rm: number): number {
  const e = Math.min(ae, be);
  let A = am << BigInt(ae - e);
  if (an) A = -A;
  let B = bm << BigInt(be - e);
  if (bn) B = -B;
  let S = A + B;
  if (S === 0n) return rm === RDN ? -0 : 0;
  const neg = S < 0n;
  if (neg) S = -S;
  return roundPack(neg, S, e, false, single, rm);
}

/** a + b exactly rounded; a, b finite. */
export function sAdd(a: number, b: number, single: boolean, rm: number): number {
  sf.flags = 0;
  if (a === 0 || b === 0) {
    if (a === 0 && b === 0) return zeroSum(isNeg(a), isNeg(b), rm);
    return sRound(a === 0 ? b : a, single, rm);
  }
  decompose(a);
  const an = dNeg, am = dMant, ae = dExp;
  decompose(b);
  return addParts(an, am, ae, dNeg, dMant, dExp, single, rm);
}

/** a * b exactly rounded; a, b finite. */
export function sMul(a: number, b: number, single: boolean, rm: number): number {
  sf.flags = 0;
  if (a === 0 || b === 0) return isNeg(a) !== isNeg(b) ? -0 : 0;
  decompose(a);
  const an = dNeg, am = dMant, ae = dExp;
  decompose(b);
  return roundPack(an !== dNeg, am * dMant, ae + dExp, false, single, rm);
}

/** a / b exactly rounded; a, b finite and nonzero. */
export function sDiv(a: number, b: number, single: boolean, rm: number): number {
  sf.flags = 0;
  const p = single ? 24 : 53;
  decompose(a);
  const an = dNeg, am = dMant, ae = dExp;
  decompose(b);
  const bn = dNeg, bm = dMant, be = dExp;
  const k = Math.max(0, p + 4 + bitlen(bm) - bitlen(am));
  const num = am << BigInt(k);
  const Q = num / bm;
  const sticky = Q * bm !== num;
  return roundPack(an !== bn, Q, ae - be - k, sticky, single, rm);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitlen(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** sqrt(a) exactly rounded; a finite and > 0. */
export function sSqrt(a: number, single: boolean, rm: number): number {
  sf.flags = 0;
  const p = single ? 24 : 53;
  decompose(a);
  let m = dMant, e = dExp;
  if (e & 1) { m <<= 1n; e -= 1; }
  const nb = bitlen(m);
  const t = Math.max(0, p + 4 - (nb >> 1)) + 1;
  m <<= BigInt(2 * t);
  e -= 2 * t;
  const S = isqrt(m);
  return roundPack(false, S, e / 2, S * S !== m, single, rm);
}

/** a * b + c exactly rounded (one rounding); a, b, c finite. */
export function sFma(a: number, b: number, c: number, single: boolean, rm: number): number {
  sf.flags = 0;
  const pneg = isNeg(a) !== isNeg(b);
  if (a === 0 || b === 0) {
    if (c === 0) return zeroSum(pneg, isNeg(c), rm);
    return sRound(c, single, rm);
  }
  decompose(a);
  const am = dMant, ae = dExp;
  decompose(b);
  const pm = am * dMant, pe = ae + dExp;
  if (c === 0) return roundPack(pneg, pm, pe, false, single, rm);
  decompose(c);
  return addParts(pneg, pm, pe, dNeg, dMant, dExp, single, rm);
}
