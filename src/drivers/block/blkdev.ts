// The block layer: a block device is a backend (a host file, a COW file over a backing
// file) behind a small write-back buffer cache of 4 KiB blocks. Filesystems read and
// write byte ranges; the cache turns them into whole-block backend I/O. Dirty blocks
// reach the backend on flush() (fsync, sync, syncfs, unmount, halt, process exit), when
// the cache is over its budget (memory pressure), and at the latest 30 s after they
// were dirtied. The `s` flag (syncWrites) writes through and fsyncs every write.
// Errors are -errno values (EIO for host failures).

export const EIO = 5, EROFS = 30, ENOSPC = 28, EOPNOTSUPP = 95;
export const BLK = 4096;

/** What a block device stores its sectors in. Offsets and lengths are multiples of 512. */
export interface BlockBackend {
  /** Device size in bytes (a multiple of 512). */
  readonly size: number;
  readonly readonly: boolean;
  /** Read [off, off+buf.length); throws on host errors. */
  read(buf: Uint8Array, off: number): void;
  write(buf: Uint8Array, off: number): void;
  /** Write several consecutive buffers at off in one host call (optional). */
  writev?(bufs: Uint8Array[], off: number): void;
  /** Make every write so far durable (host fsync). */
  flush(): void;
  /** TRIM: these bytes are no longer used; they read as zeros afterwards when it returns
   *  true (the host file got a hole), false when the host cannot punch one (a no-op). */
  discard?(off: number, len: number): boolean;
  close(): void;
}

/** A cached block; `used` is the device's access tick at its last use (for LRU). */
interface CacheBlock { data: Uint8Array; dirty: boolean; since: number; used: number; }

/** Blocks read at once when reads are sequential (readahead), and written at once. */
const RA_BLOCKS = 32;
const raBuf = new Uint8Array(RA_BLOCKS * BLK);

const devices = new Set<BlockDevice>();

export class BlockDevice {
  /**
   * block index → cached block. Not kept in LRU order by re-insertion: V8's Map pays
   * O(size) for a delete followed by a set once its table is full (21 µs a block at
   * 8192 entries); each block carries its last-use tick instead, and eviction sorts.
   */
  private readonly cache = new Map<number, CacheBlock>();
  private tick = 0;
  /** Buffers of evicted blocks, reused for new ones (less garbage for the GC). */
  private readonly pool: Uint8Array[] = [];
  /** The block after the last one read from the backend (sequential read detection). */
  private nextRead = -1;
  private dirtyCount = 0;
  /** First I/O error since the last flush (reported by the next flush, like Linux's errseq). */
  private ioError = 0;
  closed = false;
  /** Discard requests are refused (ubd's `t` flag, or a backend that cannot take them). */
  noTrim = false;
  /** Who holds the device exclusively (a mounted filesystem), for O_EXCL opens. */
  holder: string | null = null;
  /** Open block device files (/dev/ubdX) on it: mconsole `remove` refuses while any. */
  openFiles = 0;
  /** The block size of the filesystem mounted on it (0: none), for BLKBSZGET. */
  fsBlockSize = 0;

  constructor(
    readonly name: string,
    readonly backend: BlockBackend,
    /** Write every write through and fsync it (ubd's `s` flag). */
    readonly syncWrites = false,
    /** Blocks kept in memory (clean + dirty). */
    readonly budget = 8192,
  ) {
    devices.add(this);
    installHooks();
  }

  get size(): number { return this.backend.size; }

  /** Linux's soft block size: the mounted filesystem's, else the largest power of two up
   *  to 4096 that divides the size (set_init_blocksize). */
  softBlockSize(): number {
    if (this.fsBlockSize) return this.fsBlockSize;
    let b = 4096;
    while (b > 512 && this.size % b !== 0) b >>= 1;
    return b;
  }
  get readonly(): boolean { return this.backend.readonly; }

  private load(idx: number): CacheBlock | number {
    let b = this.cache.get(idx);
    if (b !== undefined) { b.used = ++this.tick; return b; }
    const off = idx * BLK;
    if (off >= this.size) return -EIO;
    // Sequential reads: read ahead RA_BLOCKS blocks in one host call.
    // (At most a quarter of the cache, so that the shrink below keeps the block asked for.)
    const n = idx === this.nextRead ? Math.max(1, Math.min(RA_BLOCKS, this.budget >> 2, Math.ceil((this.size - off) / BLK))) : 1;
    const len = Math.min(n * BLK, this.size - off);
    const buf = n === 1 ? this.alloc() : raBuf;
    if (len < BLK) buf.fill(0, len, BLK);
    try {
      this.backend.read(buf.subarray(0, len), off);
    } catch {
      return -EIO;
    }
    this.nextRead = idx + n;
    for (let k = 0; k < n; k++) {
      if (k > 0 && this.cache.has(idx + k)) continue;   // cached (maybe dirty): newer than the host
      let data = buf;
      if (n > 1) {
        data = this.alloc();
        data.set(raBuf.subarray(k * BLK, (k + 1) * BLK));
        if ((k + 1) * BLK > len) data.fill(0, Math.max(0, len - k * BLK));
      }
      const nb: CacheBlock = { data, dirty: false, since: 0, used: ++this.tick };
      this.cache.set(idx + k, nb);
      if (k === 0) b = nb;
    }
    b!.used = ++this.tick;
    this.shrink();
    return b!;
  }

  /** Read buf.length bytes at off; 0 or -errno. */
  read(buf: Uint8Array, off: number): number {
    if (off < 0 || off + buf.length > this.size) return -EIO;
    let done = 0;
    while (done < buf.length) {
      const p = off + done;
      const idx = Math.floor(p / BLK), o = p - idx * BLK;
      const n = Math.min(BLK - o, buf.length - done);
      const b = this.load(idx);
      if (typeof b === 'number') return b;
      buf.set(b.data.subarray(o, o + n), done);
      done += n;
    }
    return 0;
  }

  /** Write buf at off; 0 or -errno. */
  write(buf: Uint8Array, off: number): number {
    if (this.readonly) return -EROFS;
    if (off < 0 || off + buf.length > this.size) return -EIO;
    let done = 0;
    while (done < buf.length) {
      const p = off + done;
      const idx = Math.floor(p / BLK), o = p - idx * BLK;
      const n = Math.min(BLK - o, buf.length - done);
      let b: CacheBlock | number | undefined;
      if (n === BLK) {
        b = this.cache.get(idx);
        if (b === undefined) { b = { data: this.alloc(), dirty: false, since: 0, used: ++this.tick }; this.cache.set(idx, b); }
        else b.used = ++this.tick;
      } else b = this.load(idx);
      if (typeof b === 'number') return b;
      b.data.set(buf.subarray(done, done + n), o);
      if (!b.dirty) { b.dirty = true; b.since = Date.now(); this.dirtyCount++; }
      done += n;
    }
    if (this.syncWrites) return this.flush();
    this.shrink();
    return 0;
  }

  private writeBlock(idx: number, b: CacheBlock): boolean {
    const off = idx * BLK;
    const len = Math.min(BLK, this.size - off);
    try {
      this.backend.write(len === BLK ? b.data : b.data.subarray(0, len), off);
    } catch {
      if (this.ioError === 0) this.ioError = -EIO;
      return false;
    }
    b.dirty = false;
    this.dirtyCount--;
    return true;
  }

  /** Over budget: write back the dirty blocks (if half the cache), drop the least recently used clean ones. */
  private shrink(): void {
    if (this.cache.size <= this.budget) return;
    const target = Math.floor(this.budget * 3 / 4);
    if (this.dirtyCount > this.budget / 2) this.writeDirty(false);
    const clean: [number, number][] = [];
    for (const [idx, b] of this.cache) if (!b.dirty) clean.push([b.used, idx]);
    clean.sort((a, b) => a[0] - b[0]);
    for (let i = 0; i < clean.length && this.cache.size > target; i++) {
      const idx = clean[i][1];
      if (this.pool.length < 1024) this.pool.push(this.cache.get(idx)!.data);
      this.cache.delete(idx);
    }
  }

  /** A block buffer (contents undefined: the caller fills all of it). */
  private alloc(): Uint8Array { return this.pool.pop() ?? new Uint8Array(BLK); }

  /** Write dirty blocks in block order, runs of consecutive blocks in one host call;
   *  olderThan: only those dirty since before it. */
  private writeDirty(sync: boolean, olderThan = Infinity): void {
    if (this.dirtyCount === 0) return;
    const idxs: number[] = [];
    for (const [idx, b] of this.cache) if (b.dirty && b.since < olderThan) idxs.push(idx);
    idxs.sort((a, b) => a - b);
    for (let i = 0; i < idxs.length;) {
      let j = i + 1;
      while (j < idxs.length && j - i < RA_BLOCKS && idxs[j] === idxs[j - 1] + 1) j++;
      this.writeRun(idxs, i, j);
      i = j;
    }
    if (sync) {
      try { this.backend.flush(); } catch { if (this.ioError === 0) this.ioError = -EIO; }
    }
  }

  /** Write the blocks idxs[i..j) (consecutive) in one backend call when it can. */
  private writeRun(idxs: number[], i: number, j: number): void {
    const be = this.backend;
    const first = idxs[i] * BLK;
    if (j - i === 1 || !be.writev || (idxs[j - 1] + 1) * BLK > this.size) {
      for (let k = i; k < j; k++) this.writeBlock(idxs[k], this.cache.get(idxs[k])!);
      return;
    }
    const blocks = idxs.slice(i, j).map((x) => this.cache.get(x)!);
    try {
      be.writev(blocks.map((b) => b.data), first);
    } catch {
      if (this.ioError === 0) this.ioError = -EIO;
      return;
    }
    for (const b of blocks) { b.dirty = false; this.dirtyCount--; }
  }

  /** Everything written so far reaches the host file and is fsync'ed; 0 or -errno. */
  flush(): number {
    if (this.closed) return 0;
    this.writeDirty(true);
    const e = this.ioError;
    this.ioError = 0;
    return e;
  }

  /** Periodic writeback: blocks dirty for longer than ageMs. */
  writebackOld(ageMs: number): void {
    if (!this.closed) this.writeDirty(false, Date.now() - ageMs);
  }

  /** Drop clean cached blocks (memory pressure). */
  dropClean(): void {
    for (const [idx, b] of this.cache) if (!b.dirty) this.cache.delete(idx);
  }

  /**
   * Discard [off, off+len) (512-byte aligned): cached blocks inside it are dropped,
   * partly covered ones written back first, then the backend punches the hole.
   * 0, -EOPNOTSUPP (no TRIM) or -EIO.
   */
  discard(off: number, len: number): number {
    if (this.noTrim || !this.backend.discard) return -EOPNOTSUPP;
    if (this.readonly) return -EROFS;
    if (len <= 0) return 0;
    const end = off + len;
    for (const [idx, b] of [...this.cache]) {
      const bo = idx * BLK, be = bo + BLK;
      if (be <= off || bo >= end) continue;
      if (bo < off || be > end) { if (b.dirty && !this.writeBlock(idx, b)) return -EIO; }
      else if (b.dirty) { b.dirty = false; this.dirtyCount--; }
      this.cache.delete(idx);
    }
    try { this.backend.discard(off, len); } catch { return -EIO; }
    return this.syncWrites ? this.flush() : 0;
  }

  /** Write zeros over [off, off+len) (BLKZEROOUT); 0 or -errno. */
  zeroOut(off: number, len: number): number {
    const z = new Uint8Array(Math.min(len, 1 << 20));
    for (let p = off; p < off + len; p += z.length) {
      const e = this.write(z.subarray(0, Math.min(z.length, off + len - p)), p);
      if (e < 0) return e;
    }
    return 0;
  }

  close(): number {
    if (this.closed) return 0;
    const e = this.flush();
    this.closed = true;
    devices.delete(this);
    try { this.backend.close(); } catch { /* ignore */ }
    return e;
  }
}

/** Flush every open block device (sync(2), halt); the first error or 0. */
export function syncAllBlockDevices(): number {
  let err = 0;
  for (const d of devices) {
    const e = d.flush();
    if (e < 0 && err === 0) err = e;
  }
  return err;
}

let hooks = false;
let syncHooks: (() => void)[] = [];
/** Run fn before block devices are flushed at exit (filesystems write their metadata). */
export function beforeBlockFlush(fn: () => void): void { syncHooks.push(fn); }

/** At exit: filesystems write their metadata, then every device is flushed and closed. */
let exitFlushed = false;
export function flushAllForExit(): void {
  if (exitFlushed) return;
  exitFlushed = true;
  for (const f of syncHooks) { try { f(); } catch { /* keep flushing */ } }
  for (const d of [...devices]) d.close();
}

function installHooks(): void {
  if (hooks) return;
  hooks = true;
  // A clean exit (poweroff, halt, process.exit) flushes everything.
  process.once('exit', flushAllForExit);
  // Dirty data is written back within 30 s.
  const t = setInterval(() => { for (const d of devices) d.writebackOld(25_000); }, 5_000);
  t.unref();
}
void syncHooks;
export function _resetBlockHooksForTest(): void { syncHooks = []; }
