// Punching holes in host files, for TRIM. Node has no fallocate(2), and the one native
// add-on (native/, optional, built with node-gyp for mconsole) may be missing, so the
// hole is punched by util-linux's fallocate(1) on /proc/PID/fd/N: the very file tuml has
// open, whatever its name has become. Discards are rare (mke2fs, fstrim, BLKDISCARD), so
// one short child process each is cheap enough. When fallocate(1) is missing or the host
// filesystem cannot punch holes, the discard is dropped: TRIM is a hint, and Linux
// promises nothing about what discarded sectors read back (BLKDISCARDZEROES is 0).
import { nodeChildProcess } from '../../lib/nodemods.js';

let usable: boolean | null = null;

/** Deallocate [off, off+len) of the host file open as fd (keeping its size); true when done. */
export function punchHole(fd: number, off: number, len: number): boolean {
  if (usable === false || len <= 0) return false;
  const r = nodeChildProcess().spawnSync('fallocate', ['--punch-hole', '--offset', String(off), '--length', String(len), `/proc/${process.pid}/fd/${fd}`],
    { stdio: 'ignore' });
  const ok = r.status === 0;
  // A missing tool stays missing; a filesystem refusal may be per file, so keep trying.
  if (r.error) usable = false;
  else if (ok) usable = true;
  return ok;
}
