import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zeroInt32 } from './zeropages.js';
import { dgramAddon } from '../drivers/unixdgram.js';

test('zeroInt32: zeroed, writable, separate arrays of the asked length (mmap pages when the addon is built)', () => {
  const a = zeroInt32(8192), b = zeroInt32(8192);
  assert.equal(a.length, 8192);
  assert.ok(a.every((v) => v === 0) && b.every((v) => v === 0));
  a[0] = -1; a[8191] = 7;
  assert.equal(b[0], 0);
  assert.equal(a[0], -1);
  assert.equal(a[8191], 7);
  if (dgramAddon()?.zeroPages) {
    assert.equal(dgramAddon()!.zeroPages!(0), null, 'no empty mapping');
    assert.equal(dgramAddon()!.zeroPages!(12345)!.byteLength, 12345);
  }
});
