// A minimal WebAssembly binary writer for the JIT's wasm back end (wasmgen.ts): LEB128
// numbers, the opcodes it uses, and the module frame (types, imports, one exported
// function), and branch hints (the branch-hinting proposal's custom section). Only what
// the translator needs; see the WebAssembly core spec, "Binary format".

/** Opcodes (core spec 5.4). */
export const enum W {
  block = 0x02, loop = 0x03, if_ = 0x04, else_ = 0x05, end = 0x0b, br = 0x0c, br_if = 0x0d, br_table = 0x0e,
  return_ = 0x0f, call = 0x10, call_indirect = 0x11, return_call = 0x12, return_call_indirect = 0x13, drop = 0x1a, select = 0x1b,
  local_get = 0x20, local_set = 0x21, local_tee = 0x22,
  i32_load = 0x28, i64_load = 0x29, f64_load = 0x2b,
  i64_load8_s = 0x30, i64_load8_u = 0x31, i64_load16_s = 0x32, i64_load16_u = 0x33, i64_load32_s = 0x34,
  i64_load32_u = 0x35, i32_store = 0x36, i64_store = 0x37, f64_store = 0x39,
  i64_store8 = 0x3c, i64_store16 = 0x3d, i64_store32 = 0x3e,
  i32_const = 0x41, i64_const = 0x42,
  i32_eqz = 0x45, i32_eq = 0x46, i32_ne = 0x47, i32_lt_s = 0x48, i32_lt_u = 0x49, i32_gt_u = 0x4b, i32_le_u = 0x4d, i32_ge_s = 0x4e,
  i64_eqz = 0x50, i64_eq = 0x51, i64_ne = 0x52, i64_lt_s = 0x53, i64_lt_u = 0x54, i64_ge_s = 0x59, i64_ge_u = 0x5a,
  f64_eq = 0x61, f64_ne = 0x62,
  i32_add = 0x6a, i32_sub = 0x6b, i32_mul = 0x6c, i32_div_s = 0x6d, i32_div_u = 0x6e, i32_rem_s = 0x6f,
  i32_rem_u = 0x70, i32_and = 0x71, i32_or = 0x72, i32_xor = 0x73, i32_shl = 0x74, i32_shr_s = 0x75, i32_shr_u = 0x76,
  i64_add = 0x7c, i64_sub = 0x7d, i64_mul = 0x7e, i64_div_s = 0x7f, i64_div_u = 0x80, i64_rem_s = 0x81,
  i64_rem_u = 0x82, i64_and = 0x83, i64_or = 0x84, i64_xor = 0x85, i64_shl = 0x86, i64_shr_s = 0x87, i64_shr_u = 0x88,
  i32_wrap_i64 = 0xa7, i64_extend_i32_s = 0xac, i64_extend_i32_u = 0xad, i64_trunc_f64_s = 0xb0,
  f64_convert_i64_s = 0xb9, f64_convert_i64_u = 0xba, i64_extend32_s = 0xc4,
}

/** Value types. */
export const I32 = 0x7f, I64 = 0x7e, F64 = 0x7c, VOID = 0x40;

/** A growable byte sink with LEB128 helpers. */
export class Bytes {
  buf: Uint8Array;
  len = 0;
  /** capacity: bytes before the first growth (translateWasm sizes a region's body by its instructions). */
  constructor(capacity = 256) { this.buf = new Uint8Array(capacity); }
  /** Branch hints (offset of an if/br_if, 1 likely or 0 unlikely) pairs, see hint(). */
  hints: number[] = [];
  byte(b: number): this {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
    return this;
  }
  private grow(more: number): void {
    const n = new Uint8Array(Math.max(this.buf.length * 2, this.len + more));
    n.set(this.buf.subarray(0, this.len)); this.buf = n;
  }
  /** Append the bytes of another buffer (hints: and its branch hints, moved to their new offsets). */
  append(o: Bytes, hints = false): this {
    if (this.len + o.len > this.buf.length) this.grow(o.len);
    if (hints) for (let i = 0; i < o.hints.length; i += 2) this.hints.push(o.hints[i] + this.len, o.hints[i + 1]);
    this.buf.set(o.buf.subarray(0, o.len), this.len); this.len += o.len;
    return this;
  }
  /** Unsigned LEB128 of a non-negative integer below 2^53. */
  u32(v: number): this {
    if (v < 128) return this.byte(v);
    do { let b = v % 128; v = Math.floor(v / 128); if (v !== 0) b |= 0x80; this.byte(b); } while (v !== 0);
    return this;
  }
  /** Signed LEB128 of an integer in [-2^63, 2^53) (as i32/i64 immediates need). */
  s(v: number): this {
    for (;;) {
      const b = v & 0x7f;             // ToInt32 keeps the low bits of an integral double
      v = Math.floor(v / 128);
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { this.byte(b); return this; }
      this.byte(b | 0x80);
    }
  }
  bytes(b: ArrayLike<number>): this { for (let i = 0; i < b.length; i++) this.byte(b[i]); return this; }
  name(s: string): this { this.u32(s.length); for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i)); return this; }
  /** Append another buffer prefixed by its length (a section or function body). */
  sized(o: Bytes): this { return this.u32(o.len).append(o); }
  view(): Uint8Array { return this.buf.subarray(0, this.len); }

  op(o: W): this { return this.byte(o); }
  get(l: number): this { return this.byte(W.local_get).u32(l); }
  set(l: number): this { return this.byte(W.local_set).u32(l); }
  tee(l: number): this { return this.byte(W.local_tee).u32(l); }
  i32(v: number): this { return this.byte(W.i32_const).s(v | 0); }
  i64(v: number): this { return this.byte(W.i64_const).s(v); }
  /** A load or store with its memarg: alignment (log2 bytes) and a constant offset. */
  mem(o: W, align: number, offset: number): this { return this.byte(o).u32(align).u32(offset); }
  br(depth: number): this { return this.byte(W.br).u32(depth); }
  /** The if or br_if emitted next is likely (or unlikely) taken: a branch hint (see module). */
  hint(likely: boolean): this { this.hints.push(this.len, likely ? 1 : 0); return this; }
}

/** A function type: params and results. */
export interface FuncType { params: number[]; results: number[] }

/**
 * A module importing a shared memory ("m", "mem"), optionally a funcref table ("m", "tab"),
 * and the given functions ("m", name), defining `funcs` (type index, locals as [count,
 * type] runs, body without the final end), exporting each as "f<function index>" and
 * the first also as "r".
 */
export function module(types: FuncType[], imports: { name: string; type: number }[],
  funcs: { type: number; locals: [number, number][]; body: Bytes }[], table = false): Uint8Array {
  const out = new Bytes();
  out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const sec = (id: number, b: Bytes): void => { out.byte(id).sized(b); };
  const t = new Bytes().u32(types.length);
  for (const ft of types) {
    t.byte(0x60).u32(ft.params.length).bytes(ft.params).u32(ft.results.length).bytes(ft.results);
  }
  sec(1, t);
  const im = new Bytes().u32(imports.length + 1 + (table ? 1 : 0));
  // Shared memory import: limits flag 3 (min and max, shared), any size up to 4 GiB.
  im.name('m').name('mem').byte(0x02).byte(0x03).u32(0).u32(65536);
  if (table) im.name('m').name('tab').byte(0x01).byte(0x70).byte(0x00).u32(0);
  for (const f of imports) im.name('m').name(f.name).byte(0x00).u32(f.type);
  sec(2, im);
  const fs = new Bytes().u32(funcs.length);
  for (const f of funcs) fs.u32(f.type);
  sec(3, fs);
  // Exports: defined function i as "f<index>" (its index counts the imported functions), the first also as "r".
  const ex = new Bytes().u32(funcs.length + 1).name('r').byte(0x00).u32(imports.length);
  for (let i = 0; i < funcs.length; i++) ex.name(`f${imports.length + i}`).byte(0x00).u32(imports.length + i);
  sec(7, ex);
  const code = new Bytes().u32(funcs.length);
  // Branch hints (the branch-hinting proposal's custom section, before the code): V8's
  // optimizing tier lays unlikely paths out of line and keeps their spills there.
  const hints = new Bytes().name('metadata.code.branch_hint');
  let hinted = 0;
  const hfuncs = new Bytes();
  funcs.forEach((f, i) => {
    const body = new Bytes().u32(f.locals.length);
    for (const [n, ty] of f.locals) body.u32(n).byte(ty);
    const at = body.len, h = f.body.hints;    // a hint's offset counts from the locals on
    body.append(f.body).byte(W.end);
    code.sized(body);
    if (h.length === 0) return;
    hinted++;
    hfuncs.u32(imports.length + i).u32(h.length / 2);
    for (let j = 0; j < h.length; j += 2) hfuncs.u32(at + h[j]).u32(1).byte(h[j + 1]);
  });
  if (hinted > 0) sec(0, hints.u32(hinted).append(hfuncs));
  sec(10, code);
  return out.view();
}
