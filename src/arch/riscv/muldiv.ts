// 64-bit multiply and divide on int32 (lo, hi) pairs, without BigInt.
// Each function reads its operands from x at pair indices a and b and writes the
// result pair at rd (operands are read before rd is written).

const P32 = 4294967296;

// Scratch results of umul32 / the 128-bit product.
let UH = 0, UL = 0;

/** Unsigned 32x32 → 64: sets UH, UL (as uint32 numbers). */
function umul32(a: number, b: number): void {
  a >>>= 0; b >>>= 0;
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);        // < 2^18
  UL = ((mid << 16) | (p00 & 0xffff)) >>> 0;
  UH = (p11 + Math.floor(p01 / 65536) + Math.floor(p10 / 65536) + Math.floor(mid / 65536)) >>> 0;
}

export function mul(x: Int32Array, rd: number, a: number, b: number): void {
  const al = x[a], ah = x[a + 1], bl = x[b], bh = x[b + 1];
  if (ah === (al >> 31) && bh === (bl >> 31)) {
    const p = al * bl;
    if (p > -9007199254740992 && p < 9007199254740992) {
      x[rd] = p | 0; x[rd + 1] = Math.floor(p / P32) | 0; return;
    }
  }
  umul32(al, bl);
  x[rd] = UL | 0;
  x[rd + 1] = (UH + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
}

/** Upper 64 bits of the unsigned 128-bit product; returned through UL/UH as uint32. */
function mulhu128(al: number, ah: number, bl: number, bh: number): void {
  umul32(al, bl); const llh = UH;
  umul32(al, bh); const lhl = UL, lhh = UH;
  umul32(ah, bl); const hll = UL, hlh = UH;
  umul32(ah, bh); const hhl = UL, hhh = UH;
  const mid = llh + lhl + hll;                       // < 2^34
  const c1 = Math.floor(mid / P32);
  const low = hhl + lhh + hlh + c1;                  // < 2^35
  const c2 = Math.floor(low / P32);
  UL = low >>> 0;
  UH = (hhh + c2) >>> 0;
}

export function mulhu(x: Int32Array, rd: number, a: number, b: number): void {
  mulhu128(x[a], x[a + 1], x[b], x[b + 1]);
  x[rd] = UL | 0; x[rd + 1] = UH | 0;
}

/** Subtract the pair (sl, sh) from (UL, UH) modulo 2^64. */
function subU(sl: number, sh: number): void {
  const l = (UL - (sl >>> 0));
  const borrow = l < 0 ? 1 : 0;
  UL = l >>> 0;
  UH = (UH - (sh >>> 0) - borrow) >>> 0;
}

export function mulh(x: Int32Array, rd: number, a: number, b: number): void {
  const al = x[a], ah = x[a + 1], bl = x[b], bh = x[b + 1];
  mulhu128(al, ah, bl, bh);
  if (ah < 0) subU(bl, bh);
  if (bh < 0) subU(al, ah);
  x[rd] = UL | 0; x[rd + 1] = UH | 0;
}

export function mulhsu(x: Int32Array, rd: number, a: number, b: number): void {
  const al = x[a], ah = x[a + 1], bl = x[b], bh = x[b + 1];
  mulhu128(al, ah, bl, bh);
  if (ah < 0) subU(bl, bh);
  x[rd] = UL | 0; x[rd + 1] = UH | 0;
}

// Unsigned 64-bit division: quotient (QL, QH), remainder (RL, RH), all uint32 numbers.
let QL = 0, QH = 0, RL = 0, RH = 0;

/** b must be non-zero. Operands as uint32 halves. */
function udivmod(al: number, ah: number, bl: number, bh: number): void {
  al >>>= 0; ah >>>= 0; bl >>>= 0; bh >>>= 0;
  if (bh === 0) {
    if (ah === 0) {
      const q = Math.floor(al / bl);
      QL = q; QH = 0; RL = al - q * bl; RH = 0; return;
    }
    if (bl < 0x200000) {
      // Two-step schoolbook with a divisor below 2^21: each partial dividend < 2^53.
      const qh = Math.floor(ah / bl);
      const rh = ah - qh * bl;
      const m = rh * P32 + al;
      let ql = Math.floor(m / bl);
      let r = m - ql * bl;
      if (r < 0) { ql--; r += bl; } else if (r >= bl) { ql++; r -= bl; }
      QL = ql >>> 0; QH = qh; RL = r; RH = 0; return;
    }
  }
  const av = ah * P32 + al, bv = bh * P32 + bl;
  if (av < 9007199254740992) {
    // Both fit a double exactly (b <= a, or q = 0).
    let q = Math.floor(av / bv);
    let r = av - q * bv;
    if (r < 0) { q--; r += bv; } else if (r >= bv) { q++; r -= bv; }
    QL = q >>> 0; QH = Math.floor(q / P32); RL = r >>> 0; RH = Math.floor(r / P32); return;
  }
  // Restoring shift-subtract division, one bit at a time.
  let qh = 0, ql = 0, rh = 0, rl = 0;
  for (let i = 63; i >= 0; i--) {
    // r = r << 1 | bit i of a; `top` is the bit shifted out of 64 (then r > b surely)
    const top = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = ((rl << 1) | (i >= 32 ? (ah >>> (i - 32)) & 1 : (al >>> i) & 1)) >>> 0;
    qh = ((qh << 1) | (ql >>> 31)) >>> 0;
    ql = (ql << 1) >>> 0;
    if (top !== 0 || rh > bh || (rh === bh && rl >= bl)) {
      const nl = rl - bl;
      rh = (rh - bh - (nl < 0 ? 1 : 0)) >>> 0;
      rl = nl >>> 0;
      ql = (ql | 1) >>> 0;
    }
  }
  QL = ql; QH = qh; RL = rl; RH = rh;
}

export function divu(x: Int32Array, rd: number, a: number, b: number): void {
  const al = x[a], ah = x[a + 1], bl = x[b], bh = x[b + 1];
  if (bl === 0 && bh === 0) { x[rd] = -1; x[rd + 1] = -1; return; }
  udivmod(al, ah, bl, bh);
  x[rd] = QL | 0; x[rd + 1] = QH | 0;
}

export function remu(x: Int32Array, rd: number, a: number, b: number): void {
  const al = x[a], ah = x[a + 1], bl = x[b], bh = x[b + 1];
  if (bl === 0 && bh === 0) { x[rd] = al; x[rd + 1] = ah; return; }
  udivmod(al, ah, bl, bh);
  x[rd] = RL | 0; x[rd + 1] = RH | 0;
}

/** Signed division/remainder. rem selects the remainder. */
function sdiv(x: Int32Array, rd: number, a: number, b: number, rem: boolean): void {
  let al = x[a], ah = x[a + 1], bl = x[b], bh = x[b + 1];
  if (bl === 0 && bh === 0) {
    if (rem) { x[rd] = al; x[rd + 1] = ah; } else { x[rd] = -1; x[rd + 1] = -1; }
    return;
  }
  if (bl === -1 && bh === -1 && al === 0 && ah === -0x80000000) {
    if (rem) { x[rd] = 0; x[rd + 1] = 0; } else { x[rd] = al; x[rd + 1] = ah; }
    return;
  }
  const an = ah < 0, bn = bh < 0;
  if (an) { al = -al | 0; ah = (~ah + (al === 0 ? 1 : 0)) | 0; }
  if (bn) { bl = -bl | 0; bh = (~bh + (bl === 0 ? 1 : 0)) | 0; }
  udivmod(al, ah, bl, bh);
  let rl: number, rh: number;
  if (rem) { rl = RL | 0; rh = RH | 0; if (an) { rl = -rl | 0; rh = (~rh + (rl === 0 ? 1 : 0)) | 0; } }
  else { rl = QL | 0; rh = QH | 0; if (an !== bn) { rl = -rl | 0; rh = (~rh + (rl === 0 ? 1 : 0)) | 0; } }
  x[rd] = rl; x[rd + 1] = rh;
}

export function div(x: Int32Array, rd: number, a: number, b: number): void { sdiv(x, rd, a, b, false); }
export function rem(x: Int32Array, rd: number, a: number, b: number): void { sdiv(x, rd, a, b, true); }

export function divw(x: Int32Array, rd: number, a: number, b: number): void {
  const p = x[a], q = x[b];
  const v = q === 0 ? -1 : (p === -0x80000000 && q === -1) ? p : (p / q) | 0;
  x[rd] = v; x[rd + 1] = v >> 31;
}
export function divuw(x: Int32Array, rd: number, a: number, b: number): void {
  const p = x[a] >>> 0, q = x[b] >>> 0;
  const v = q === 0 ? -1 : Math.floor(p / q) | 0;
  x[rd] = v; x[rd + 1] = v >> 31;
}
export function remw(x: Int32Array, rd: number, a: number, b: number): void {
  const p = x[a], q = x[b];
  const v = q === 0 ? p : (p % q) | 0;
  x[rd] = v; x[rd + 1] = v >> 31;
}
export function remuw(x: Int32Array, rd: number, a: number, b: number): void {
  const p = x[a] >>> 0, q = x[b] >>> 0;
  const v = q === 0 ? p | 0 : (p % q) | 0;
  x[rd] = v; x[rd + 1] = v >> 31;
}
