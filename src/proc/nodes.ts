// Building blocks shared by procfs and sysfs: generated files (content produced from
// live state when opened, regenerated on a read at position 0, like seq_file), symlinks
// whose target is computed on each readlink, and directories with fixed entries plus
// optional dynamic ones (the /proc/PID directories, fd/).
import { EINVAL, ENOENT } from '../abi/linux/errno.js';
import { S_IFDIR, S_IFLNK, S_IFREG, DT_DIR } from '../abi/linux/stat.js';
import { Inode, SuperBlock, DirEntry } from '../fs/vfs/inode.js';
import type { File } from '../fs/vfs/file.js';
import type { Kernel } from '../kernel/kernel.js';

/** Content of a generated file, or -errno (e.g. -ESRCH once the task is gone). */
export type Gen = () => string | Uint8Array | number;
/** Write handler: the bytes written and the file position; returns bytes consumed or -errno. */
export type Writer = (data: Uint8Array, pos: number) => number;

export function latin1(s: string): Uint8Array { return Buffer.from(s, 'latin1'); }

/** The superblock of a procfs or sysfs mount. */
export class GenSb extends SuperBlock {
  root: DirNode;
  constructor(readonly fsType: string, readonly magic: number, readonly kernel: Kernel) {
    super();
    this.root = new DirNode(this, 0o555);
    this.root.ino = 1;
  }
}

interface Snap { data: Uint8Array; fresh: boolean; }

/** A regular file whose bytes are generated. Size is 0, as on Linux. */
export class GenFile extends Inode {
  private readonly snaps = new WeakMap<File, Snap>();
  constructor(sb: SuperBlock, mode: number, readonly gen: Gen, readonly writer: Writer | null = null) {
    super(sb, sb.allocIno(), S_IFREG | (mode & 0o7777));
  }
  private generate(): Uint8Array | number {
    const r = this.gen();
    return typeof r === 'string' ? latin1(r) : r;
  }
  override open(file: File): number {
    if (!file.readable) return 0;
    const d = this.generate();
    if (typeof d === 'number') return d;
    this.snaps.set(file, { data: d, fresh: true });
    return 0;
  }
  override release(file: File): void { this.snaps.delete(file); }
  override read(file: File | null, buf: Uint8Array, pos: number): number {
    let snap = file ? this.snaps.get(file) : undefined;
    if (snap === undefined || (pos === 0 && !snap.fresh)) {
      const d = this.generate();
      if (typeof d === 'number') return d;
      snap = { data: d, fresh: false };
      if (file) this.snaps.set(file, snap);
    }
    snap.fresh = false;
    const data = snap.data;
    if (pos >= data.length) return 0;
    const n = Math.min(buf.length, data.length - pos);
    buf.set(data.subarray(pos, pos + n));
    return n;
  }
  override write(_file: File | null, buf: Uint8Array, pos: number): number {
    if (this.writer === null) return -EINVAL;
    return this.writer(buf, pos);
  }
  /** O_TRUNC on open for writing (echo x > /proc/sys/...): nothing to truncate. */
  override truncate(_len: number): number { return this.writer === null ? -EINVAL : 0; }
  override blockCount(): number { return 0; }
}

/** A symlink whose target is computed at readlink time. */
export class LinkNode extends Inode {
  constructor(sb: SuperBlock, readonly target: () => string | number, mode = 0o777) {
    super(sb, sb.allocIno(), S_IFLNK | mode);
  }
  override readlink(): string | number { return this.target(); }
  override blockCount(): number { return 0; }
}

/** Dynamic part of a directory. */
export interface DynDir {
  list(): DirEntry[];
  lookup(name: string): Inode | number;
}

/** A directory: fixed entries in insertion order, then the dynamic ones. */
export class DirNode extends Inode {
  readonly entries = new Map<string, Inode>();
  dyn: DynDir | null = null;
  constructor(sb: SuperBlock, mode = 0o555) {
    super(sb, sb.allocIno(), S_IFDIR | (mode & 0o7777));
    this.nlink = 2;
  }
  add<T extends Inode>(name: string, node: T): T {
    this.entries.set(name, node);
    if (node.isDir) this.nlink++;
    return node;
  }
  dir(name: string, mode = 0o555): DirNode {
    const e = this.entries.get(name);
    if (e instanceof DirNode) return e;
    return this.add(name, new DirNode(this.sb, mode));
  }
  file(name: string, gen: Gen, mode = 0o444, writer: Writer | null = null): GenFile {
    return this.add(name, new GenFile(this.sb, mode, gen, writer));
  }
  sym(name: string, target: string | (() => string | number)): LinkNode {
    return this.add(name, new LinkNode(this.sb, typeof target === 'string' ? () => target : target));
  }
  override lookup(name: string): Inode | number {
    const e = this.entries.get(name);
    if (e) return e;
    return this.dyn ? this.dyn.lookup(name) : -ENOENT;
  }
  override readdir(): DirEntry[] | number {
    const out: DirEntry[] = [];
    for (const [name, ino] of this.entries) out.push({ name, ino: ino.ino, type: ino.dtype });
    if (this.dyn) out.push(...this.dyn.list());
    return out;
  }
  override blockCount(): number { return 0; }
}

export function dirEntry(name: string, node: Inode): DirEntry {
  return { name, ino: node.ino, type: node.isDir ? DT_DIR : node.dtype };
}

/** Decimal text of an unsigned 64-bit value held as a number; -1 (RLIM_INFINITY) is 2^64-1. */
export function u64(v: number): string {
  if (v < 0) return (BigInt.asUintN(64, BigInt(Math.trunc(v)))).toString();
  return Math.floor(v).toString();
}

/** A 64-bit mask from (lo, hi) 32-bit words as 16 hex digits. */
export function hex64(lo: number, hi: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** Escape for /proc/mounts fields: space, tab, newline and backslash as octal. */
export function mangle(s: string): string {
  return s.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
}
