// Dentries: the name tree. A dentry names one inode under one parent; the tree of
// dentries gives `..` and getcwd. Lookups always ask the filesystem (cheap for tmpfs,
// an lstat for hostfs, which keeps external changes visible) and reuse the dentry when
// it still names the same inode, so mount points and cwds keep their identity.
import type { Inode, SuperBlock } from './inode.js';

export class Dentry {
  readonly children = new Map<string, Dentry>();
  /** Number of mounts whose mount point is this dentry. */
  mounted = 0;
  /** Set once the name has been removed (getcwd shows " (deleted)"). */
  unlinked = false;
  parent: Dentry;

  constructor(public name: string, parent: Dentry | null, public inode: Inode) {
    this.parent = parent ?? this;
    inode.alias = this;
  }

  get isRoot(): boolean { return this.parent === this; }
  get sb(): SuperBlock { return this.inode.sb; }

  /** Path of this dentry from its superblock's root ('' for the root itself). */
  relPath(): string {
    const parts: string[] = [];
    let d: Dentry = this;
    while (!d.isRoot) { parts.push(d.name); d = d.parent; }
    return parts.reverse().join('/');
  }

  isAncestorOf(other: Dentry): boolean {
    let d = other;
    for (;;) {
      if (d === this) return true;
      if (d.isRoot) return false;
      d = d.parent;
    }
  }
}

/** Look `name` up under dir, reconciling with the dentry cache. */
export function lookupChild(dir: Dentry, name: string): Dentry | number {
  const r = dir.inode.lookup(name);
  const old = dir.children.get(name);
  if (typeof r === 'number') {
    if (old && old.mounted === 0) { dir.children.delete(name); old.unlinked = true; }
    return r;
  }
  if (old && old.inode === r) { if (r.alias === null || r.alias.unlinked) r.alias = old; return old; }
  if (old) old.unlinked = true;
  const d = new Dentry(name, dir, r);
  dir.children.set(name, d);
  return d;
}

/** Record a newly created entry. */
export function dAdd(dir: Dentry, name: string, inode: Inode): Dentry {
  const old = dir.children.get(name);
  if (old) old.unlinked = true;
  const d = new Dentry(name, dir, inode);
  dir.children.set(name, d);
  return d;
}

/** Forget a removed entry. */
export function dDelete(dir: Dentry, name: string): void {
  const d = dir.children.get(name);
  if (!d) return;
  d.unlinked = true;
  dir.children.delete(name);
  if (d.inode.alias === d) d.inode.alias = null;
}

/** Move a dentry after a rename (the overwritten target, if any, is marked deleted). */
export function dMove(oldDir: Dentry, oldName: string, newDir: Dentry, newName: string): void {
  const d = oldDir.children.get(oldName);
  const victim = newDir.children.get(newName);
  if (victim && victim !== d) { victim.unlinked = true; newDir.children.delete(newName); }
  if (!d) return;
  oldDir.children.delete(oldName);
  d.name = newName;
  d.parent = newDir;
  newDir.children.set(newName, d);
}

/** Swap two entries (RENAME_EXCHANGE). */
export function dExchange(aDir: Dentry, aName: string, bDir: Dentry, bName: string): void {
  const a = aDir.children.get(aName), b = bDir.children.get(bName);
  aDir.children.delete(aName); bDir.children.delete(bName);
  if (a) { a.name = bName; a.parent = bDir; bDir.children.set(bName, a); }
  if (b) { b.name = aName; b.parent = aDir; aDir.children.set(aName, b); }
}
