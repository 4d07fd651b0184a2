// initramfs: unpack a cpio "newc" archive (070701, or 070702 with checksums; gzip
// compressed or not; several archives may be concatenated) into a filesystem, as
// Linux's init/initramfs.c does: modes, owners, mtimes, symlinks, hard links, device
// nodes and FIFOs.
import { nodeZlib } from '../../lib/nodemods.js';
import { EEXIST, ENOENT, EIO } from '../../abi/linux/errno.js';
import { S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, makedev } from '../../abi/linux/stat.js';
import { O_WRONLY, O_CREAT, O_TRUNC } from '../../abi/linux/fcntl.js';
import { ROOT_CRED } from '../vfs/inode.js';
import type { FsContext } from '../vfs/fscontext.js';
import * as V from '../vfs/ops.js';
import { TmpInode } from '../tmpfs/tmpfs.js';
import { readImage, type HostImage, type ImageRange, type OpenImage } from '../tmpfs/imagedata.js';
import { readSync } from 'node:fs';

const HDR = 110;
const align4 = (n: number): number => (n + 3) & ~3;

interface Entry {
  ino: number; mode: number; uid: number; gid: number; nlink: number; mtime: number;
  filesize: number; devmajor: number; devminor: number; rdevmajor: number; rdevminor: number;
  name: string;
  /** The contents; a regular file's are left out (empty) when `src` says where they are. */
  data: Uint8Array;
  src: ImageRange | null;
}

function hex(b: Uint8Array, off: number): number {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const c = b[off + i];
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) throw new Error('bad hex in cpio header');
    v = v * 16 + d;
  }
  return v;
}

/** An archive to parse: bytes in memory, or an image file read through a window. */
interface Source {
  readonly length: number;
  /** len bytes at pos (valid until the next call for a file). */
  at(pos: number, len: number): Uint8Array;
  readonly image: HostImage | null;
}

const WINDOW = 65536;

/** An uncompressed image file, read in 64 KiB windows (its files' data is not read). */
function fileSource(image: HostImage, fd: number): Source {
  let win = new Uint8Array(WINDOW), base = 0, have = 0;
  return {
    length: image.size, image,
    at(pos, len) {
      if (pos >= base && pos + len <= base + have) return win.subarray(pos - base, pos - base + len);
      if (len > win.length) win = new Uint8Array(len);
      base = pos;
      have = 0;
      for (let n; have < win.length && (n = readSync(fd, win, have, win.length - have, pos + have)) > 0;) have += n;
      return win.subarray(0, Math.min(len, have));
    },
  };
}

function bufferSource(data: Uint8Array): Source {
  return { length: data.length, image: null, at: (pos, len) => data.subarray(pos, pos + len) };
}

/** Parse the entries of one or more concatenated newc archives (an error string on damage). */
export function parseCpio(data: Uint8Array): Entry[] | string { return parse(bufferSource(data)); }

function parse(src: Source): Entry[] | string {
  const out: Entry[] = [];
  let p = 0;
  while (p < src.length) {
    const b = src.at(p, 2);
    if (b[0] === 0) { p++; continue; } // padding between archives
    if (b[0] === 0x1f && b[1] === 0x8b) {
      // A compressed member: gunzip the rest (gzip handles concatenated members).
      let inner: Uint8Array;
      try { inner = nodeZlib().gunzipSync(src.at(p, src.length - p)); }
      catch { return 'initramfs: bad gzip data'; }
      const r = parseCpio(inner);
      if (typeof r === 'string') return r;
      out.push(...r);
      break;
    }
    if (p + HDR > src.length) return 'initramfs: truncated header';
    const h = src.at(p, HDR);
    const magic = Buffer.from(h.subarray(0, 6)).toString('latin1');
    if (magic !== '070701' && magic !== '070702') return `initramfs: bad magic ${JSON.stringify(magic)} at ${p}`;
    let f: number[];
    try { f = Array.from({ length: 13 }, (_, i) => hex(h, 6 + i * 8)); } catch (e) { return 'initramfs: ' + (e as Error).message; }
    const [ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize] = f;
    const nameStart = p + HDR;
    if (namesize === 0 || nameStart + namesize > src.length) return 'initramfs: bad name size';
    const name = Buffer.from(src.at(nameStart, namesize - 1)).toString('latin1');
    const dataStart = align4(nameStart + namesize);
    if (dataStart + filesize > src.length) return 'initramfs: truncated data';
    p = align4(dataStart + filesize);
    if (name === 'TRAILER!!!') continue;
    // A regular file of an image stays there; anything else is small and copied out.
    const inImage = src.image !== null && (mode & S_IFMT) === S_IFREG;
    out.push({
      ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, name,
      data: inImage ? EMPTY : src.image ? src.at(dataStart, filesize).slice() : src.at(dataStart, filesize),
      src: inImage ? { image: src.image!, off: dataStart } : null,
    });
  }
  return out;
}
const EMPTY = new Uint8Array(0);

/** Unpack into ctx's namespace (paths relative to its root). Returns null or an error string. */
export function unpackCpio(ctx: FsContext, data: Uint8Array | OpenImage): string | null {
  const entries = data instanceof Uint8Array ? parseCpio(data) : parse(fileSource(data.image, data.fd));
  if (typeof entries === 'string') return entries;
  const saved = ctx.umask;
  ctx.umask = 0;
  const links = new Map<string, string>();
  const dirTimes: [string, number][] = [];
  try {
    for (const e of entries) {
      let name = e.name;
      while (name.startsWith('./')) name = name.slice(2);
      name = name.replace(/^\/+/, '');
      if (name === '' || name === '.') {
        setAttrs(ctx, '/', e, true);
        continue;
      }
      const path = '/' + name;
      const type = e.mode & S_IFMT;
      const perm = e.mode & 0o7777;
      // Hard links: a later name with the same (dev, ino) links to the first one.
      if (e.nlink >= 2 && type !== S_IFDIR) {
        const key = `${e.devmajor}:${e.devminor}:${e.ino}:${e.mode}`;
        const first = links.get(key);
        if (first) {
          clean(ctx, path);
          V.linkAt(ctx, ROOT_CRED, ctx.root, first, false, ctx.root, path);
          if (e.filesize > 0) writeData(ctx, path, e);
          continue;
        }
        links.set(key, path);
      }
      let r = 0;
      switch (type) {
        case S_IFDIR:
          r = V.mkdirAt(ctx, ROOT_CRED, ctx.root, path, perm);
          if (r === -EEXIST) r = 0;
          dirTimes.push([path, e.mtime]);
          break;
        case S_IFREG:
          clean(ctx, path);
          r = writeData(ctx, path, e, perm);
          break;
        case S_IFLNK:
          clean(ctx, path);
          r = V.symlinkAt(ctx, ROOT_CRED, Buffer.from(e.data).toString('latin1').replace(/\0+$/, ''), ctx.root, path);
          break;
        case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
          clean(ctx, path);
          r = V.mknodAt(ctx, ROOT_CRED, ctx.root, path, type | perm, makedev(e.rdevmajor, e.rdevminor));
          break;
        default:
          continue;
      }
      if (r < 0) continue; // Linux skips entries it cannot create (e.g. a missing parent)
      setAttrs(ctx, path, e, type !== S_IFDIR);
    }
    // Directory mtimes last (creating children changed them).
    for (const [p, mtime] of dirTimes) {
      const r = V.lookupPath(ctx, ROOT_CRED, ctx.root, p, false);
      if (typeof r !== 'number') r.d.inode.setattr({ mtime: [mtime, 0] });
    }
  } finally {
    ctx.umask = saved;
  }
  return null;
}

function clean(ctx: FsContext, path: string): void {
  const r = V.lookupPath(ctx, ROOT_CRED, ctx.root, path, false);
  if (typeof r === 'number') return;
  V.unlinkAt(ctx, ROOT_CRED, ctx.root, path, r.d.inode.isDir);
}

/** A regular file's contents: left in the image or taken as they are in the unpacked
 *  archive when the file is a tmpfs file (the root), else written. */
function writeData(ctx: FsContext, path: string, e: Entry, perm = 0o644): number {
  const f = V.openPath(ctx, ROOT_CRED, ctx.root, path, O_WRONLY | O_CREAT | O_TRUNC, perm);
  if (typeof f === 'number') return f;
  f.get();
  const ino = f.inode;
  if (ino instanceof TmpInode && (e.src ? ino.backWith(e.src, e.filesize) : ino.adopt(e.data))) { f.put(); return 0; }
  let data = e.data;
  if (e.src) {
    data = new Uint8Array(e.filesize);
    if (readImage(e.src.image, e.src.off, data) < 0) { f.put(); return -EIO; }
  }
  let off = 0;
  while (off < data.length) {
    const n = f.pwrite(data.subarray(off), off, null);
    if (n <= 0) break;
    off += n;
  }
  f.put();
  return 0;
}

function setAttrs(ctx: FsContext, path: string, e: Entry, setTime: boolean): void {
  const r = V.lookupPath(ctx, ROOT_CRED, ctx.root, path, false);
  if (typeof r === 'number') return;
  const ino = r.d.inode;
  ino.setattr({
    uid: e.uid, gid: e.gid,
    mode: ino.isLnk ? undefined : e.mode & 0o7777,
    mtime: setTime ? [e.mtime, 0] : undefined,
  });
}
void ENOENT;
