// The memory devices of major 1: null (3), zero (5), full (7), random (8), urandom (9).
import { hostRandomFill } from '../../lib/hostrandom.js';
import { ENOSPC } from '../../abi/linux/errno.js';
import { CharDev, registerCharDevice } from './registry.js';

const nullDev: CharDev = {
  seekable: true,
  read: () => 0,
  write: (b) => b.length,
};
const zeroDev: CharDev = {
  seekable: true,
  read: (b) => { b.fill(0); return b.length; },
  write: (b) => b.length,
};
const fullDev: CharDev = {
  seekable: true,
  read: (b) => { b.fill(0); return b.length; },
  write: () => -ENOSPC,
};
let randomSource: (b: Uint8Array) => void = hostRandomFill;
/** The bytes /dev/random and /dev/urandom give (seeded and reproducible with random-seed=). */
export function setRandomSource(fn: (b: Uint8Array) => void): void { randomSource = fn; }

const randomDev: CharDev = {
  read: (b) => { randomSource(b); return b.length; },
  write: (b) => b.length,
};

let registered = false;
export function registerMemDevices(): void {
  if (registered) return;
  registered = true;
  registerCharDevice(1, 3, () => nullDev);
  registerCharDevice(1, 5, () => zeroDev);
  registerCharDevice(1, 7, () => fullDev);
  registerCharDevice(1, 8, () => randomDev);
  registerCharDevice(1, 9, () => randomDev);
}
