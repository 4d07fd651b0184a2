// Character devices by (major, minor). A device node's open finds its driver here; the
// VFS wraps the returned CharDev in an open file. Drivers (mem, tty, console, pty …)
// register themselves with registerCharDevice.
import type { WaitQueue } from '../../lib/waitqueue.js';
import type { AddressSpace } from '../../mm/aspace.js';

/** Whoever performs the I/O and may sleep (a Task satisfies it). */
export interface Sleeper { blockOn(wq: WaitQueue): void; }

/** An opened character device (or host channel). Every method returns -errno on failure;
 *  a blocking read/write calls s.blockOn(wq) and returns BLOCK (from lib/waitqueue). */
export interface CharDev {
  read?(buf: Uint8Array, nonblock: boolean, s: Sleeper): number;
  write?(buf: Uint8Array, nonblock: boolean, s: Sleeper): number;
  ioctl?(cmd: number, arg: number, mm: AddressSpace, s: Sleeper): number;
  /** POLL* readiness bits. */
  poll?(): number;
  readonly waitQueue?: WaitQueue | null;
  /** Bytes ready to read (FIONREAD). */
  available?(): number;
  /** lseek always succeeds with 0 (like /dev/null, /dev/zero). */
  readonly seekable?: boolean;
  release?(): void;
}

/** Open a device: the minor (for drivers registered on a whole major) and open flags. */
export type CharOpen = (minor: number, flags: number) => CharDev | number;

const drivers = new Map<number, CharOpen>();
const key = (major: number, minor: number): number => major * 1048576 + minor;

/** Register a driver for (major, minor); minor = -1 covers every minor of the major. */
export function registerCharDevice(major: number, minor: number, open: CharOpen): void {
  drivers.set(minor < 0 ? key(major, 1048575) : key(major, minor), open);
}

export function findCharDevice(major: number, minor: number): CharOpen | null {
  return drivers.get(key(major, minor)) ?? drivers.get(key(major, 1048575)) ?? null;
}
