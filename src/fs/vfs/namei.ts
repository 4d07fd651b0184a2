// The path walk: absolute or relative paths, `.`/`..` (never above the process root,
// crossing mount points both ways), symlinks (40 in total per walk → ELOOP), trailing
// slashes (the result must be a directory), ENOTDIR/ENOENT/ENAMETOOLONG/EACCES.
//
// The dentry cache: on a filesystem whose superblock sets `cachedLookup` (hostfs), a
// cached directory dentry that is still its inode's alias is trusted as it is in the
// middle of a path. The last component, and anything else met (a symlink to follow, a
// file that would end the walk with ENOTDIR), is revalidated (Inode.revalidate: one
// host lstat of its full path, which must still name the same file). A failed
// revalidation restarts the whole walk asking the filesystem at every step (Linux's
// LOOKUP_REVAL retry after ESTALE). Other filesystems are asked at every step.
import { ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP, ESTALE } from '../../abi/linux/errno.js';
import { PATH_MAX, NAME_MAX, MAXSYMLINKS } from '../../abi/linux/fs.js';
import { FsCred, Inode, permission, MAY_EXEC } from './inode.js';
import { Dentry, lookupChild } from './dentry.js';
import { Path, followDown } from './mount.js';

export class NameData {
  links = 0;
  /** Trust the dentry cache (cleared for the retry after a failed revalidation). */
  cached = true;
  /** An inode whose attributes this walk has just read from the backing store: callers skip their refresh() of it. */
  fresh: Inode | null = null;
  /**
   * The walk stands on a dentry whose host path it has not checked (a trusted cached
   * directory, the start directory, a `..`): see verifyDir.
   */
  unverified = true;
  constructor(readonly root: Path, readonly cred: FsCred) {}
}

function splitPath(path: string): string[] {
  const out: string[] = [];
  for (const c of path.split('/')) if (c.length) out.push(c);
  return out;
}

/** `..` from p: stay at the process root, climb out of mount roots. */
export function dotdot(p: Path, root: Path): Path {
  let { mnt, d } = p;
  for (;;) {
    if (mnt === root.mnt && d === root.d) return { mnt, d };
    if (d === mnt.root) {
      if (!mnt.parent || !mnt.mountpoint) return { mnt, d };
      d = mnt.mountpoint; mnt = mnt.parent;
      continue;
    }
    break;
  }
  return followDown({ mnt, d: d.parent });
}

/**
 * One step: name inside the directory cur. `last`: the final component of the walk (a
 * cached dentry there is revalidated; -ESTALE asks the caller to walk again uncached).
 */
export function step(nd: NameData, cur: Path, name: string, last: boolean): Path | number {
  const dir = cur.d.inode;
  if (!dir.isDir) return -ENOTDIR;
  const e = permission(dir, nd.cred, MAY_EXEC);
  if (e) return e;
  if (name.length > NAME_MAX) return -ENAMETOOLONG;
  if (name === '.') return cur;
  if (name === '..') { nd.unverified = true; return dotdot(cur, nd.root); }
  let d: Dentry | undefined;
  if (dir.sb.cachedLookup && nd.cached) {
    d = cur.d.children.get(name);
    // Only a dentry its inode still names by: the inode's host path is then this very path.
    if (d !== undefined && d.inode.alias === d) {
      if (last || !d.inode.isDir) {
        if (d.inode.revalidate(d) < 0) return -ESTALE;
        nd.fresh = d.inode;
        nd.unverified = false;
      } else nd.unverified = true;
    } else d = undefined;
  }
  if (d === undefined) {
    if (dir.sb.cachedLookup) {
      const v = verifyDir(nd, cur);
      if (v < 0) return v;
    }
    const l = lookupChild(cur.d, name);
    if (typeof l === 'number') return l;
    d = l;
    if (dir.sb.cachedLookup) { nd.fresh = d.inode; nd.unverified = false; }   // looked up just now
  }
  return d.mounted > 0 ? followDown({ mnt: cur.mnt, d }) : { mnt: cur.mnt, d };
}

/**
 * Before the filesystem is asked for a name in (or a change to) directory p: on hostfs,
 * the lookup goes to the host by p's host path, which must still lead to p. A cached
 * directory trusted on the way, or the cwd, may have been replaced on the host (or
 * through another mount of the same host tree) by a symlink to elsewhere, which the
 * host would follow: one lstat checks it (the superblock's root is the confinement
 * root itself). 0, or -ESTALE (walk again uncached) / -ENOENT.
 */
export function verifyDir(nd: NameData, p: Path): number {
  if (!nd.unverified || p.d.isRoot || !p.d.inode.sb.cachedLookup) return 0;
  const a = p.d.inode.alias;
  if (a === null || p.d.inode.revalidate(a) < 0) return nd.cached ? -ESTALE : -ENOENT;
  nd.unverified = false;
  return 0;
}

/** Walk `comps` from `cur`. The last component's symlink is followed if `follow`. */
function walkComps(nd: NameData, cur: Path, comps: string[], follow: boolean, mustDir: boolean): Path | number {
  let i = 0;
  while (i < comps.length) {
    const last = i === comps.length - 1;
    const r = step(nd, cur, comps[i], last);
    if (typeof r === 'number') return r;
    const ino = r.d.inode;
    if (ino.isLnk && (!last || follow || mustDir)) {
      if (++nd.links > MAXSYMLINKS) return -ELOOP;
      // Magic links (/proc/PID/fd/N, cwd, exe): jump to the open file's own path, which
      // also reaches deleted and O_TMPFILE files (Linux: nd_jump_link).
      const pf = (ino as { procFile?: () => { path: Path | null } | null }).procFile?.();
      if (pf && pf.path) { cur = pf.path; nd.unverified = true; i++; continue; }
      const target = ino.readlink();
      if (typeof target === 'number') return target;
      if (target.length === 0) return -ENOENT;
      if (target[0] === '/') { cur = nd.root; nd.unverified = true; }
      if (last && target.endsWith('/')) mustDir = true;
      comps = splitPath(target).concat(comps.slice(i + 1));
      i = 0;
      continue;
    }
    cur = r;
    i++;
  }
  if (mustDir && !cur.d.inode.isDir) return -ENOTDIR;
  return cur;
}

export function checkPathLen(path: string): number {
  if (path.length === 0) return -ENOENT;
  if (path.length >= PATH_MAX) return -ENAMETOOLONG;
  return 0;
}

/** Resolve a whole path. */
export function walk(nd: NameData, start: Path, path: string, follow: boolean): Path | number {
  const e = checkPathLen(path);
  if (e) return e;
  const cur = path[0] === '/' ? nd.root : start;
  const comps = splitPath(path), links = nd.links;
  const r = walkComps(nd, cur, comps, follow, path.endsWith('/'));
  if (r !== -ESTALE || !nd.cached) return r;
  nd.cached = false; nd.links = links; nd.unverified = true;
  return walkComps(nd, cur, comps, follow, path.endsWith('/'));
}

export interface ParentResult {
  dir: Path;
  /** Last component ('.' for "/", '.' or '..' as written). */
  last: string;
  /** The path ended with a slash. */
  trailing: boolean;
}

/** Resolve everything but the last component (for create/unlink/rename). */
export function walkParent(nd: NameData, start: Path, path: string): ParentResult | number {
  const e = checkPathLen(path);
  if (e) return e;
  const comps = splitPath(path);
  const trailing = path.endsWith('/');
  let cur = path[0] === '/' ? nd.root : start;
  if (comps.length === 0) return { dir: cur, last: '.', trailing: true };
  const last = comps.pop()!;
  if (last.length > NAME_MAX) return -ENAMETOOLONG;
  const links = nd.links;
  for (;;) {
    let dir = cur;
    if (comps.length) {
      const r = walkComps(nd, cur, comps, true, true);
      if (r === -ESTALE && nd.cached) { nd.cached = false; nd.links = links; nd.unverified = true; continue; }
      if (typeof r === 'number') return r;
      dir = r;
    } else if (!cur.d.inode.isDir) return -ENOTDIR;
    // The caller asks the filesystem about `last` in dir (or changes it): its host path must hold.
    const v = verifyDir(nd, dir);
    if (v === -ESTALE) { nd.cached = false; nd.links = links; nd.unverified = true; continue; }
    if (v < 0) return v;
    return { dir, last, trailing };
  }
}
