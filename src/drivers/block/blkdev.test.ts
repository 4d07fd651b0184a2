// The buffer cache against a plain model: random reads, writes (partial and whole
// blocks), flushes, cache drops and discards through a small cache, so that eviction,
// readahead and coalesced writes (writev) all run; the backend must end up equal to
// the model, and every read must see the latest write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockDevice, BlockBackend, BLK } from './blkdev.js';

class MemBackend implements BlockBackend {
  readonly data: Uint8Array;
  reads = 0; writes = 0; writevs = 0;
  constructor(readonly size: number, readonly readonly = false) { this.data = new Uint8Array(size); }
  read(buf: Uint8Array, off: number): void { this.reads++; buf.set(this.data.subarray(off, off + buf.length)); }
  write(buf: Uint8Array, off: number): void { this.writes++; this.data.set(buf, off); }
  writev(bufs: Uint8Array[], off: number): void { this.writevs++; for (const b of bufs) { this.data.set(b, off); off += b.length; } }
  discard(off: number, len: number): boolean { this.data.fill(0, off, off + len); return true; }
  flush(): void {}
  close(): void {}
}

/** A tiny deterministic PRNG (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
}

test('random I/O through a small cache matches a model; flush makes the backend equal', () => {
  const size = 300 * BLK + 1536;   // a partial last block
  const be = new MemBackend(size);
  const r = rng(42);
  for (let i = 0; i < size; i++) be.data[i] = (i * 7) & 0xff;
  const model = be.data.slice();
  const d = new BlockDevice('t', be, false, 40);
  for (let op = 0; op < 4000; op++) {
    const kind = r();
    if (kind < 0.35) {
      // a write: whole blocks or a partial range
      const len = r() < 0.5 ? BLK * (1 + Math.floor(r() * 8)) : 1 + Math.floor(r() * 3000);
      const off = r() < 0.5 ? Math.floor(r() * (size - len) / BLK) * BLK : Math.floor(r() * (size - len));
      const buf = new Uint8Array(len);
      for (let i = 0; i < len; i++) buf[i] = Math.floor(r() * 256);
      assert.equal(d.write(buf, off), 0);
      model.set(buf, off);
    } else if (kind < 0.8) {
      // sequential or random reads
      const len = 1 + Math.floor(r() * 20000);
      const off = Math.floor(r() * (size - len));
      const buf = new Uint8Array(len);
      assert.equal(d.read(buf, off), 0);
      assert.deepEqual(buf, model.subarray(off, off + len), `read ${off}+${len} at op ${op}`);
    } else if (kind < 0.85) {
      const off = Math.floor(r() * (size / 512 - 8)) * 512, len = 512 * (1 + Math.floor(r() * 8));
      assert.equal(d.discard(off, len), 0);
      model.fill(0, off, off + len);
    } else if (kind < 0.9) {
      assert.equal(d.flush(), 0);
      assert.deepEqual(be.data, model);
    } else if (kind < 0.92) {
      d.dropClean();
    }
  }
  assert.equal(d.flush(), 0);
  assert.deepEqual(be.data, model);
  assert.ok(be.writevs > 0, 'consecutive dirty blocks are written in one call');
  d.close();
});

test('sequential reads are read ahead; a dirty cached block is not overwritten by readahead', () => {
  const be = new MemBackend(256 * BLK);
  const d = new BlockDevice('t', be, false, 1000);
  const mine = new Uint8Array(BLK).fill(9);
  assert.equal(d.write(mine, 5 * BLK), 0);   // dirty, not yet on the backend
  const buf = new Uint8Array(BLK);
  for (let i = 0; i < 64; i++) assert.equal(d.read(buf, i * BLK), 0);
  assert.ok(be.reads < 10, `${be.reads} backend reads for 64 sequential blocks`);
  assert.equal(d.read(buf, 5 * BLK), 0);
  assert.deepEqual(buf, mine);
  d.close();
});

test('discard is refused with the t flag, and on a read-only device', () => {
  const d = new BlockDevice('t', new MemBackend(16 * BLK), false, 100);
  d.noTrim = true;
  assert.equal(d.discard(0, 512), -95);
  d.close();
  const ro = new BlockDevice('t', new MemBackend(16 * BLK, true), false, 100);
  assert.equal(ro.discard(0, 512), -30);
  ro.close();
});
