// Host randomness from /dev/urandom, read with plain fs calls: node:crypto's
// randomFillSync would load the crypto module and initialise OpenSSL, ~1 MB of host
// memory for every machine, just to seed AT_RANDOM, /dev/urandom and umids. Falls back to
// node:crypto where /dev/urandom cannot be read (a chroot without /dev).
import fs from 'node:fs';
import { nodeCrypto } from './nodemods.js';

let fd = -1;

/** Fill b with host randomness. */
export function hostRandomFill(b: Uint8Array): void {
  if (fd < 0) {
    try { fd = fs.openSync('/dev/urandom', 'r'); } catch { nodeCrypto().randomFillSync(b); return; }
  }
  for (let at = 0; at < b.length;) {
    const n = fs.readSync(fd, b, at, b.length - at, null);
    if (n <= 0) throw new Error('/dev/urandom: short read');
    at += n;
  }
}
