// Guest physical memory: one shared WebAssembly.Memory split into 4 KiB frames with
// reference counts. Every address space maps its pages onto these frames. Behind the
// frames the same memory holds what translated WebAssembly code reads besides guest
// data: a code generation per frame and one state slot (registers, TLB) per hart.
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_MASK = 4095;

/** Bytes of one hart's state slot (arch/riscv/hart.ts lays it out; most of it is the TLB, mm/mmu.ts). */
export const STATE_SLOT = 40960;
const WASM_PAGE = 65536;
/** State slots the memory may grow by (256 MiB of address space, reserved, touched only when used). */
const MAX_STATE_PAGES = 4096;

export class PhysMem {
  readonly memory: WebAssembly.Memory;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly dv: DataView;
  readonly nframes: number;
  readonly refs: Int32Array;          // reference count per frame; 0 = free
  private readonly free: Int32Array;  // stack of free frame numbers
  private nfree: number;
  /** 1 for a frame handed out at least once (it may hold data); 0: still all zero. */
  private readonly used: Uint8Array;
  /** Decoded-instruction cache per frame (owned by arch/riscv); undefined = none. */
  readonly code: (Int32Array | undefined)[];
  /** Called when a frame that held decoded code is written (so harts can flush). */
  codeFrames = 0;
  /** Hook run when allocation fails, to reclaim memory (page cache, OOM kill). */
  reclaim: (() => boolean) | null = null;
  /** Code generation of each frame, bumped whenever its decoded code is dropped (translated wasm checks it). */
  readonly gen: Int32Array;
  /** Byte offset of gen[0] in the memory. */
  readonly genBase: number;
  /** Free state slots (byte offsets), and the end of the slots handed out so far. */
  private readonly freeSlots: number[] = [];
  private slotEnd: number;

  constructor(bytes: number) {
    const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE));
    const genPages = Math.ceil(pages * (WASM_PAGE >>> PAGE_SHIFT) * 4 / WASM_PAGE);
    this.memory = new WebAssembly.Memory({
      initial: pages + genPages, maximum: pages + genPages + MAX_STATE_PAGES, shared: true,
    });
    const buf = this.memory.buffer;
    this.u8 = new Uint8Array(buf);
    this.u16 = new Uint16Array(buf);
    this.i32 = new Int32Array(buf);
    this.f32 = new Float32Array(buf);
    this.f64 = new Float64Array(buf);
    this.dv = new DataView(buf);
    this.nframes = (pages * WASM_PAGE) >>> PAGE_SHIFT;
    this.genBase = pages * WASM_PAGE;
    this.gen = new Int32Array(buf, this.genBase, this.nframes);
    this.slotEnd = (pages + genPages) * WASM_PAGE;
    this.refs = new Int32Array(this.nframes);
    this.free = new Int32Array(this.nframes);
    this.used = new Uint8Array(this.nframes);
    this.code = new Array(this.nframes);
    // Frame 0 is never handed out, so a frame number of 0 can mean "none".
    this.nfree = 0;
    for (let f = this.nframes - 1; f >= 1; f--) this.free[this.nfree++] = f;
  }

  get freeFrames(): number { return this.nfree; }

  /** Allocate a zeroed frame with refcount 1, or -1 when memory is exhausted. */
  alloc(): number {
    // A frame never handed out is still the zeroed memory WebAssembly gave (and the host
    // has not backed it with a page yet). Else 8-byte stores: on shared memory
    // Uint8Array.fill goes a byte at a time (~6 µs a page); Float64Array.fill takes
    // ~0.45 µs in every tier, where a JS loop took ~0.3 µs optimized but 9-15 µs before
    // TurboFan compiled it (python3 -c pass: 1,478 frames, 30 ms).
    const f = this.take();
    if (f > 0) {
      if (this.used[f] !== 0) this.f64.fill(0, f << 9, (f + 1) << 9);
      else this.used[f] = 1;
    }
    return f;
  }

  /** A frame with refcount 1 and stale contents, for a caller that overwrites all of it (COW copies); -1 if none. */
  allocUninit(): number {
    const f = this.take();
    if (f > 0) this.used[f] = 1;
    return f;
  }

  /** A free frame with refcount 1, or -1. */
  private take(): number {
    if (this.nfree === 0 && !(this.reclaim && this.reclaim() && this.nfree > 0)) return -1;
    const f = this.free[--this.nfree];
    this.refs[f] = 1;
    return f;
  }

  /** Frame f was written other than through an allocation (a checkpoint's restore). */
  written(f: number): void { this.used[f] = 1; }

  get(f: number): void { this.refs[f]++; }

  put(f: number): void {
    if (--this.refs[f] === 0) {
      if (this.code[f] !== undefined) this.dropCode(f);
      this.free[this.nfree++] = f;
    } else if (this.refs[f] < 0) {
      throw new Error(`frame ${f} refcount underflow`);
    }
  }

  /** Forget decoded code of frame f; holders see op 0 (undecoded) and re-decode. */
  dropCode(f: number): void {
    const c = this.code[f];
    if (c !== undefined) {
      c.fill(0); this.code[f] = undefined; this.codeFrames--; this.gen[f]++;
      if (this.codeDropped !== null) this.codeDropped(f);
    }
  }
  /** Told when frame f's decoded code is dropped (the JIT frees that frame's translations). */
  codeDropped: ((f: number) => void) | null = null;

  /** A zeroed state slot for a hart (byte offset into the memory); grows the memory when all are in use. */
  allocSlot(): number {
    let off = this.freeSlots.pop();
    if (off === undefined) {
      const have = this.memory.buffer.byteLength;
      if (this.slotEnd + STATE_SLOT > have) {
        try { this.memory.grow(1); } catch { throw new Error('out of hart state slots'); }
      }
      off = this.slotEnd;
      this.slotEnd += STATE_SLOT;
    }
    new Float64Array(this.memory.buffer, off, STATE_SLOT / 8).fill(0);
    return off;
  }

  /** `bytes` (a multiple of 64 KiB) of zeroed memory behind the frames for the JIT's own tables; byte offset. */
  allocArea(bytes: number): number {
    const start = Math.ceil(this.slotEnd / WASM_PAGE) * WASM_PAGE;
    const need = start + bytes - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / WASM_PAGE));
    this.slotEnd = start + bytes;
    return start;
  }

  /** Give a slot back (its hart is gone). */
  freeSlot(off: number): void { this.freeSlots.push(off); }

  /** fence.i: forget every decoded page. */
  dropAllCode(): void {
    if (this.codeFrames === 0) return;
    for (let f = 0; f < this.nframes; f++) if (this.code[f] !== undefined) this.dropCode(f);
  }

  copyFrame(dst: number, src: number): void {
    this.u8.copyWithin(dst << PAGE_SHIFT, src << PAGE_SHIFT, (src + 1) << PAGE_SHIFT);
  }
}
