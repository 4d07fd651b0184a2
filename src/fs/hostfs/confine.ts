// hostfs confinement for mount(2): with hostfs=DIR on the command line every hostfs
// mount's host path is taken inside DIR (UML prefixes it the same way) and may not leave it.
import * as nodePath from 'node:path';
import { realpathSync } from 'node:fs';
import { ENOENT, EACCES } from '../../abi/linux/errno.js';

/**
 * hostfs=DIR: every hostfs mount's path is taken inside DIR (as UML prefixes it), and
 * may not leave it: `..` cannot climb above DIR, and a host symlink that points outside
 * is refused (the real path must stay under DIR's real path).
 */
let hostfsPrefix: string | null = null;
export function setHostfsConfinement(dir: string | null): void { hostfsPrefix = dir; }

export function hostfsMountDir(requested: string): string | number {
  if (hostfsPrefix === null) return requested;
  const inside = nodePath.posix.normalize('/' + requested);
  const dir = nodePath.posix.join(hostfsPrefix, inside);
  try {
    const real = realpathSync(dir), base = realpathSync(hostfsPrefix);
    if (real !== base && !real.startsWith(base.endsWith('/') ? base : base + '/')) return -EACCES;
  } catch { return -ENOENT; }
  return dir;
}

