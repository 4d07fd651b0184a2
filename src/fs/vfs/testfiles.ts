// Helpers for the VFS tests: read a whole (small) file by path as root.
import type { FsContext } from './fscontext.js';
import { ROOT_CRED } from './inode.js';
import * as V from './ops.js';
import { O_RDONLY } from '../../abi/linux/fcntl.js';

/** A sleeper for calls that must not block. */
export const noSleep = { blockOn(): void { throw new Error('unexpected block'); } };

/** The first 4 KiB of the file at p as a latin1 string, or -errno. */
export function readFile(ctx: FsContext, p: string): string | number {
  const f = V.openPath(ctx, ROOT_CRED, ctx.cwd, p, O_RDONLY, 0);
  if (typeof f === 'number') return f;
  const b = new Uint8Array(4096);
  const n = f.read(b, noSleep);
  return Buffer.from(b.subarray(0, n)).toString('latin1');
}
