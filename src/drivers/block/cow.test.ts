// COW header layout (UML's cow_user.c) and the COW/plain backends through the block cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeCowHeader, parseCowHeader, createCowFile, readCowHeader, CowBackend } from './cow.js';
import { BlockDevice } from './blkdev.js';

test('version 3 header: big-endian fields, bitmap at 8192, data at the next 4096 boundary', () => {
  const h = makeCowHeader('/images/root.img', 0x12345678, 64 << 20);
  assert.equal(h.length, 4128);
  assert.deepEqual([...h.subarray(0, 8)], [0x4f, 0x4f, 0x4f, 0x4d, 0, 0, 0, 3]);
  assert.deepEqual([...h.subarray(8, 12)], [0x12, 0x34, 0x56, 0x78]);
  const p = parseCowHeader(h)!;
  assert.equal(p.version, 3);
  assert.equal(p.backing, '/images/root.img');
  assert.equal(p.size, 64 << 20);
  assert.equal(p.sectorSize, 512);
  assert.equal(p.alignment, 4096);
  assert.equal(p.bitmapOffset, 8192);
  assert.equal(p.bitmapLen, (64 << 20) / 512 / 8);
  assert.equal(p.dataOffset, 8192 + 16384);
  assert.equal(parseCowHeader(new Uint8Array(4128)), null);
});

test('a COW file over a backing file: reads fall through, writes set bits LSB first', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-cow-'));
  try {
    const base = path.join(dir, 'base'), cow = path.join(dir, 'cow');
    const data = new Uint8Array(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
    fs.writeFileSync(base, data);
    createCowFile(cow, base);
    const before = fs.readFileSync(base);
    const cfd = fs.openSync(cow, 'r+'), bfd = fs.openSync(base, 'r');
    const h = readCowHeader(cfd)!;
    assert.equal(fs.statSync(cow).size, h.dataOffset + (1 << 20));
    const dev = new BlockDevice('t', new CowBackend(cfd, bfd, h, false));
    const w = new Uint8Array(1000).fill(0xee);
    assert.equal(dev.write(w, 4096 + 100), 0);
    const r = new Uint8Array(8192);
    assert.equal(dev.read(r, 4096), 0);
    assert.equal(r[99], 99 & 0xff);
    assert.equal(r[100], 0xee);
    assert.equal(r[1100], (4096 + 1100) & 0xff);
    assert.equal(dev.close(), 0);
    assert.deepEqual(fs.readFileSync(base), before);
    // Sectors 8..15 (the whole 4 KiB block was written back): bits 0..7 of byte 1.
    const bm = fs.readFileSync(cow).subarray(h.bitmapOffset, h.bitmapOffset + 4);
    assert.deepEqual([...bm], [0, 0xff, 0, 0]);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
