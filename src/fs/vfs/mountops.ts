// mount(2), umount2(2), pivot_root(2) and the filesystem-type registry. procfs/sysfs and
// friends register their types with registerFsType; tmpfs, ramfs, devtmpfs and hostfs
// are built in.
import { EPERM, ENODEV, ENOTDIR, EINVAL, EBUSY, ENOENT } from '../../abi/linux/errno.js';
import {
  MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_SYNCHRONOUS, MS_REMOUNT, MS_MANDLOCK, MS_DIRSYNC,
  MS_NOSYMFOLLOW, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_MOVE, MS_REC, MS_SILENT, MS_UNBINDABLE,
  MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_RELATIME, MS_STRICTATIME, MS_LAZYTIME, MS_MGC_MSK, MS_MGC_VAL,
  MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW,
} from '../../abi/linux/fs.js';
import { S_IFCHR, S_IFBLK, S_IFMT } from '../../abi/linux/stat.js';
import { makedev } from '../../abi/linux/stat.js';
import { Dentry } from './dentry.js';
import { FsCred, SuperBlock, ROOT_CRED } from './inode.js';
import { Mount, Path, followDown } from './mount.js';
import { NameData, walk } from './namei.js';
import { FsContext, liveContexts } from './fscontext.js';
import { TmpfsSb } from '../tmpfs/tmpfs.js';
import { newHostSb } from '../hostfs/hostfs.js';
import { hostfsMountDir } from '../hostfs/confine.js';
import { registerCkptState, registerCkptSide } from '../../lib/ckptstate.js';
export { setHostfsConfinement } from '../hostfs/confine.js';

/** Make a superblock for a mount: (source, flags, data) → superblock or -errno. */
export type MountFn = (source: string, flags: number, data: string, blockDev?: number) => SuperBlock | number;

interface FsType { mount: MountFn; }
const fsTypes = new Map<string, FsType>();

export function registerFsType(name: string, mount: MountFn): void {
  fsTypes.set(name, { mount });
}
export function fsTypeNames(): string[] { return [...fsTypes.keys()]; }
/** The mount function of a filesystem type (restore asks procfs/sysfs for their superblock). */
export function fsTypeMount(name: string): MountFn | null { return fsTypes.get(name)?.mount ?? null; }

function parseSize(data: string): number {
  for (const opt of data.split(',')) {
    const m = /^size=(\d+)([kmgKMG%]?)$/.exec(opt);
    if (!m) continue;
    const n = Number(m[1]);
    const u = m[2].toLowerCase();
    return u === 'k' ? n * 1024 : u === 'm' ? n * 1048576 : u === 'g' ? n * 1073741824 : u === '%' ? -Math.min(100, Math.max(1, n)) : n;
  }
  return 0;
}
function parseMode(data: string, def: number): number {
  for (const opt of data.split(',')) {
    const m = /^mode=([0-7]+)$/.exec(opt);
    if (m) return parseInt(m[1], 8) & 0o7777;
  }
  return def;
}

// ---- devtmpfs: one shared instance, as in Linux --------------------------------------

let devSb: TmpfsSb | null = null;
registerCkptState('devtmpfs.sb', () => devSb, (v) => { devSb = v as TmpfsSb | null; });
const devNodes: [string, number, number, number, number][] = [
  ['null', S_IFCHR, 1, 3, 0o666], ['zero', S_IFCHR, 1, 5, 0o666], ['full', S_IFCHR, 1, 7, 0o666],
  ['random', S_IFCHR, 1, 8, 0o666], ['urandom', S_IFCHR, 1, 9, 0o666],
  ['tty', S_IFCHR, 5, 0, 0o666], ['console', S_IFCHR, 5, 1, 0o600], ['ptmx', S_IFCHR, 5, 2, 0o666],
];

export function devtmpfsSb(): TmpfsSb {
  if (devSb) return devSb;
  devSb = new TmpfsSb('devtmpfs', 0o755);
  for (const [name, type, ma, mi, perm] of devNodes) {
    const r = devSb.root.mknod(name, type | perm, makedev(ma, mi), ROOT_CRED);
    if (typeof r !== 'number') r.mode = type | perm;
  }
  return devSb;
}

/** Add a node to devtmpfs (drivers that appear later: ttyN, ptmx …). */
export function addDeviceNode(name: string, type: number, major: number, minor: number, perm: number): void {
  const sb = devtmpfsSb();
  if (sb.root.lookup(name) !== -ENOENT) return;
  sb.root.mknod(name, type | perm, makedev(major, minor), ROOT_CRED);
}

registerFsType('tmpfs', (_s, _f, data) => new TmpfsSb('tmpfs', parseMode(data, 0o1777), parseSize(data)));
registerFsType('ramfs', (_s, _f, data) => new TmpfsSb('ramfs', parseMode(data, 0o755)));
registerFsType('devtmpfs', () => devtmpfsSb());
registerFsType('hostfs', (source, flags, data) => {
  const req = data || (source && source !== 'none' && source !== 'hostfs' ? source : '/');
  const dir = hostfsMountDir(req);
  if (typeof dir === 'number') return dir;
  const sb = newHostSb(dir, (flags & MS_RDONLY) !== 0);
  return typeof sb === 'string' ? -ENOENT : sb;
});

/** Dentries are per superblock: reuse the root dentry when a superblock is mounted again. */
const rootDentries = new WeakMap<SuperBlock, Dentry>();
registerCkptSide('mount.rootDentry', (o) => rootDentries.get(o as SuperBlock), (o, v) => { rootDentries.set(o as SuperBlock, v as Dentry); });
export function rootDentry(sb: SuperBlock): Dentry {
  let d = rootDentries.get(sb);
  if (!d) { d = new Dentry('/', null, sb.root); rootDentries.set(sb, d); }
  return d;
}

/** Mount flags kept on the mount (per-mount in Linux). */
const MNT_FLAGS = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_NOSYMFOLLOW;

/** A new mount of sb, not yet attached. */
export function newMount(ns: Mount['ns'], sb: SuperBlock, root: Dentry, flags: number, source: string, fstype: string): Mount {
  const m = new Mount(sb, root, flags & MNT_FLAGS, source, fstype, ns);
  ns.add(m);
  return m;
}

function resolve(ctx: FsContext, cred: FsCred, path: string, follow = true): Path | number {
  return walk(new NameData(ctx.root, cred), ctx.cwd, path, follow);
}

function isMountRoot(p: Path): boolean { return p.d === p.mnt.root; }

export function doMount(ctx: FsContext, cred: FsCred, source: string, target: string, fstype: string, flags: number, data: string): number {
  if (cred.fsuid !== 0) return -EPERM;
  if (((flags >>> 0) & MS_MGC_MSK) >>> 0 === MS_MGC_VAL) flags &= ~MS_MGC_MSK;
  flags &= ~(MS_SILENT | MS_SYNCHRONOUS | MS_MANDLOCK | MS_DIRSYNC | MS_STRICTATIME | MS_LAZYTIME);
  const tp = resolve(ctx, cred, target);
  if (typeof tp === 'number') return tp;
  const ns = ctx.root.mnt.ns;
  if (flags & MS_REMOUNT) {
    if (!isMountRoot(tp)) return -EINVAL;
    if (flags & MS_BIND) { tp.mnt.flags = flags & MNT_FLAGS; return 0; }
    const rm = (tp.mnt.sb as { remount?: (ro: boolean) => number }).remount;
    if (rm) {
      // Filesystems on block devices remount themselves (ext2: flush, then read-only).
      const e = rm.call(tp.mnt.sb, (flags & MS_RDONLY) !== 0);
      if (e < 0) return e;
    }
    tp.mnt.flags = (tp.mnt.flags & ~MNT_FLAGS) | (flags & MNT_FLAGS);
    if (tp.mnt.sb.fsType === 'hostfs' || tp.mnt.sb.fsType === 'tmpfs') {
      // A read-only remount of the filesystem itself (one mount per superblock in practice).
      tp.mnt.sb.readonly = tp.mnt.sb.fsType === 'hostfs' ? (flags & MS_RDONLY) !== 0 : false;
    }
    return 0;
  }
  if (flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) return isMountRoot(tp) ? 0 : -EINVAL;
  if (flags & MS_BIND) {
    const sp = resolve(ctx, cred, source);
    if (typeof sp === 'number') return sp;
    const m = newMount(ns, sp.mnt.sb, sp.d, (sp.mnt.flags & ~MS_RDONLY) | (flags & MS_RDONLY), sp.mnt.source, sp.mnt.fstype);
    const at = followDown(tp);
    ns.attach(m, at.mnt, at.d);
    if (flags & MS_REC) copySubmounts(sp, m);
    return 0;
  }
  if (flags & MS_MOVE) {
    const sp = resolve(ctx, cred, source);
    if (typeof sp === 'number') return sp;
    if (!isMountRoot(sp) || !sp.mnt.parent) return -EINVAL;
    const m = sp.mnt;
    const at = followDown(tp);
    for (let x: Mount | null = at.mnt; x; x = x.parent) if (x === m) return -EINVAL;
    m.parent!.children.delete(m.mountpoint!);
    m.mountpoint!.mounted--;
    ns.attach(m, at.mnt, at.d);
    return 0;
  }
  const type = fsTypes.get(fstype);
  if (!type) return -ENODEV;
  if (!tp.d.inode.isDir) return -ENOTDIR;
  // A source naming a block device node: the filesystem gets its device number.
  let blockDev: number | undefined;
  if (source.startsWith('/')) {
    const sp = resolve(ctx, cred, source);
    if (typeof sp !== 'number' && (sp.d.inode.mode & S_IFMT) === S_IFBLK) blockDev = sp.d.inode.rdev;
  }
  const sb = type.mount(source, flags, data, blockDev);
  if (typeof sb === 'number') return sb;
  if (flags & MS_RDONLY && fstype !== 'hostfs') { /* per-mount read-only */ }
  const m = newMount(ns, sb, rootDentry(sb), flags, source || 'none', fstype);
  const at = followDown(tp);
  ns.attach(m, at.mnt, at.d);
  return 0;
}

function copySubmounts(from: Path, to: Mount): void {
  for (const [mp, child] of from.mnt.children) {
    if (!from.d.isAncestorOf(mp)) continue;
    const c = newMount(to.ns, child.sb, child.root, child.flags, child.source, child.fstype);
    to.ns.attach(c, to, mp);
    copySubmounts({ mnt: child, d: child.root }, c);
  }
}

/** Is anything still using mount m (open files, cwds, roots)? */
function mountBusy(m: Mount): boolean {
  if (m.children.size > 0) return true;
  if (m.openFiles > 0) return true;
  for (const c of liveContexts()) if (c.cwd.mnt === m || c.root.mnt === m) return true;
  return false;
}

export function doUmount(ctx: FsContext, cred: FsCred, target: string, flags: number): number {
  if (cred.fsuid !== 0) return -EPERM;
  if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) return -EINVAL;
  if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH))) return -EINVAL;
  const tp = resolve(ctx, cred, target, (flags & UMOUNT_NOFOLLOW) === 0);
  if (typeof tp === 'number') return tp;
  if (!isMountRoot(tp)) return -EINVAL;
  const m = tp.mnt;
  if (!m.parent || m === ctx.root.mnt) return -EBUSY;
  if (flags & MNT_EXPIRE) return -EAGAIN_;
  if (!(flags & MNT_DETACH) && mountBusy(m)) return -EBUSY;
  m.ns.detach(m);
  return 0;
}
const EAGAIN_ = 11;

export function doPivotRoot(ctx: FsContext, cred: FsCred, newRoot: string, putOld: string): number {
  if (cred.fsuid !== 0) return -EPERM;
  const nr = resolve(ctx, cred, newRoot);
  if (typeof nr === 'number') return nr;
  const po = resolve(ctx, cred, putOld);
  if (typeof po === 'number') return po;
  if (!nr.d.inode.isDir || !po.d.inode.isDir) return -ENOTDIR;
  const oldRoot = ctx.root;
  if (!isMountRoot(nr) || !isMountRoot(oldRoot)) return -EINVAL;
  if (nr.mnt === oldRoot.mnt) return -EBUSY;
  if (po.mnt === oldRoot.mnt && po.d === oldRoot.d) return -EBUSY;
  // put_old must be at or under new_root.
  let under = false;
  for (let x: Path | null = po; x; ) {
    if (x.mnt === nr.mnt && nr.d.isAncestorOf(x.d)) { under = true; break; }
    x = x.mnt.parent ? { mnt: x.mnt.parent, d: x.mnt.mountpoint! } : null;
  }
  if (!under) return -EINVAL;
  const ns = oldRoot.mnt.ns;
  const newM = nr.mnt, oldM = oldRoot.mnt;
  // Detach new_root from its parent, make it the namespace root, hang the old root on put_old.
  if (newM.parent && newM.mountpoint) {
    newM.parent.children.delete(newM.mountpoint);
    newM.mountpoint.mounted--;
  }
  newM.parent = null;
  newM.mountpoint = null;
  const at = followDown(po);
  ns.attach(oldM, at.mnt, at.d);
  ns.rootMount = newM;
  const newPath: Path = { mnt: newM, d: newM.root };
  for (const c of liveContexts()) {
    if (c.root.mnt === oldRoot.mnt && c.root.d === oldRoot.d) c.root = newPath;
    if (c.cwd.mnt === oldRoot.mnt && c.cwd.d === oldRoot.d) c.cwd = newPath;
  }
  return 0;
}

/** Mount devtmpfs on /dev when the root has a /dev directory; 0, or -errno. */
export function mountDevtmpfs(ctx: FsContext): number {
  const p = resolve(ctx, ROOT_CRED, '/dev');
  if (typeof p === 'number') return p;
  if (!p.d.inode.isDir) return -ENOTDIR;
  if (p.mnt.fstype === 'devtmpfs' && isMountRoot(p)) return 0;
  return doMount(ctx, ROOT_CRED, 'devtmpfs', '/dev', 'devtmpfs', 0, '');
}

/** /proc/mounts text for the namespace seen from ctx. */
export function mountsText(ctx: FsContext): string {
  const out: string[] = [];
  const ns = ctx.root.mnt.ns;
  for (const m of ns.ordered()) {
    const mp = pathOf(m, ctx);
    if (mp === null) continue;
    const opts = [m.readonly ? 'ro' : 'rw'];
    if (m.flags & MS_NOSUID) opts.push('nosuid');
    if (m.flags & MS_NODEV) opts.push('nodev');
    if (m.flags & MS_NOEXEC) opts.push('noexec');
    if (m.flags & MS_NOATIME) opts.push('noatime');
    if (m.flags & MS_RELATIME) opts.push('relatime');
    const extra = m.sb.options();
    if (extra) opts.push(extra);
    out.push(`${esc(m.source)} ${esc(mp)} ${m.fstype} ${opts.join(',')} 0 0\n`);
  }
  return out.join('');
}

function esc(s: string): string { return s.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0')); }

function pathOf(m: Mount, ctx: FsContext): string | null {
  const parts: string[] = [];
  let mnt: Mount = m;
  let d: Dentry = m.root;
  for (;;) {
    if (mnt === ctx.root.mnt && d === ctx.root.d) break;
    if (d === mnt.root) {
      if (!mnt.parent || !mnt.mountpoint) return null;
      d = mnt.mountpoint; mnt = mnt.parent; continue;
    }
    if (d.isRoot) return null;
    parts.push(d.name);
    d = d.parent;
  }
  return '/' + parts.reverse().join('/');
}
void MS_REC;
