// The path walk: absolute or relative paths, `.`/`..` (never above the process root,
// crossing mount points both ways), symlinks (40 in total per walk → ELOOP), trailing
// slashes (the result must be a directory), ENOTDIR/ENOENT/ENAMETOOLONG/EACCES.
import { ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP } from '../../abi/linux/errno.js';
import { PATH_MAX, NAME_MAX, MAXSYMLINKS } from '../../abi/linux/fs.js';
import { FsCred, permission, MAY_EXEC } from './inode.js';
import { lookupChild } from './dentry.js';
import { Path, followDown } from './mount.js';

export class NameData {
  links = 0;
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

/** One step: name inside the directory cur. */
export function step(nd: NameData, cur: Path, name: string): Path | number {
  const dir = cur.d.inode;
  if (!dir.isDir) return -ENOTDIR;
  const e = permission(dir, nd.cred, MAY_EXEC);
  if (e) return e;
  if (name.length > NAME_MAX) return -ENAMETOOLONG;
  if (name === '.') return cur;
  if (name === '..') return dotdot(cur, nd.root);
  const d = lookupChild(cur.d, name);
  if (typeof d === 'number') return d;
  return followDown({ mnt: cur.mnt, d });
}

/** Walk `comps` from `cur`. The last component's symlink is followed if `follow`. */
function walkComps(nd: NameData, cur: Path, comps: string[], follow: boolean, mustDir: boolean): Path | number {
  let i = 0;
  while (i < comps.length) {
    const last = i === comps.length - 1;
    const r = step(nd, cur, comps[i]);
    if (typeof r === 'number') return r;
    const ino = r.d.inode;
    if (ino.isLnk && (!last || follow || mustDir)) {
      if (++nd.links > MAXSYMLINKS) return -ELOOP;
      // Magic links (/proc/PID/fd/N, cwd, exe): jump to the open file's own path, which
      // also reaches deleted and O_TMPFILE files (Linux: nd_jump_link).
      const pf = (ino as { procFile?: () => { path: Path | null } | null }).procFile?.();
      if (pf && pf.path) { cur = pf.path; i++; continue; }
      const target = ino.readlink();
      if (typeof target === 'number') return target;
      if (target.length === 0) return -ENOENT;
      if (target[0] === '/') cur = nd.root;
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
  return walkComps(nd, cur, splitPath(path), follow, path.endsWith('/'));
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
  if (comps.length) {
    const r = walkComps(nd, cur, comps, true, true);
    if (typeof r === 'number') return r;
    cur = r;
  } else if (!cur.d.inode.isDir) return -ENOTDIR;
  return { dir: cur, last, trailing };
}
