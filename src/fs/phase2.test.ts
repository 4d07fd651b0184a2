import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openImage } from './tmpfs/imagedata.js';
import type { TmpInode } from './tmpfs/tmpfs.js';
import { mountRootInitramfs, mountDevtmpfs, makePipe, mountsText, doMount, doUmount, doPivotRoot, FsContext } from './index.js';
import * as V from './vfs/ops.js';
import { ROOT_CRED } from './vfs/inode.js';
import { O_RDONLY, O_RDWR, O_WRONLY, O_NONBLOCK, O_CREAT } from '../abi/linux/fcntl.js';
import { EAGAIN, EPIPE, EBUSY, ENOENT, ENXIO, EINVAL, EIO } from '../abi/linux/errno.js';
import { POLLIN, POLLOUT, POLLHUP, POLLERR } from '../abi/linux/fs.js';
import { BLOCK, WaitQueue } from '../lib/waitqueue.js';
import type { File } from './vfs/file.js';

const C = ROOT_CRED;
class S { blocked: WaitQueue | null = null; blockOn(wq: WaitQueue): void { this.blocked = wq; } }

function newc(entries: { name: string; mode: number; data?: string; ino?: number; nlink?: number; rdev?: [number, number]; uid?: number }[]): Uint8Array {
  const parts: Buffer[] = [];
  const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  let ino = 100;
  for (const e of [...entries, { name: 'TRAILER!!!', mode: 0 }]) {
    const data = Buffer.from((e as { data?: string }).data ?? '', 'latin1');
    const x = (n: number): string => n.toString(16).padStart(8, '0');
    const anyE = e as { ino?: number; nlink?: number; rdev?: [number, number]; uid?: number };
    const hdr = '070701' + [anyE.ino ?? ino++, e.mode, anyE.uid ?? 0, 0, anyE.nlink ?? 1, 1700000000, data.length, 0, 0,
      anyE.rdev?.[0] ?? 0, anyE.rdev?.[1] ?? 0, e.name.length + 1, 0].map(x).join('');
    parts.push(pad(Buffer.from(hdr + e.name + '\0', 'latin1')));
    parts.push(pad(data));
  }
  return Buffer.concat(parts);
}

function readAll(ctx: FsContext, p: string): string | number {
  const f = V.openPath(ctx, C, ctx.cwd, p, O_RDONLY, 0);
  if (typeof f === 'number') return f;
  const b = new Uint8Array(1000);
  const n = f.read(b, new S());
  return Buffer.from(b.subarray(0, n)).toString('latin1');
}

test('initramfs: files, dirs, symlinks, hard links, devices; devtmpfs on /dev', () => {
  const cpio = newc([
    { name: '.', mode: 0o40755 },
    { name: 'bin', mode: 0o40755 },
    { name: 'bin/busybox', mode: 0o104755, data: 'ELF!', uid: 0 },
    { name: 'bin/sh', mode: 0o120777, data: 'busybox' },
    { name: 'etc', mode: 0o40755 },
    { name: 'etc/a', mode: 0o100644, ino: 7, nlink: 2, data: '' },
    { name: 'etc/b', mode: 0o100644, ino: 7, nlink: 2, data: 'shared' },
    { name: 'dev', mode: 0o40755 },
    { name: 'dev/console', mode: 0o20600, rdev: [5, 1] },
  ]);
  const ctx = mountRootInitramfs(gzipSync(cpio));
  assert.ok(typeof ctx !== 'string', String(ctx));
  assert.equal(readAll(ctx, '/bin/sh'), 'ELF!');
  assert.equal(readAll(ctx, '/etc/a'), 'shared');
  const st = V.statPath(ctx, C, ctx.cwd, '/bin/busybox', true);
  assert.ok(typeof st !== 'number');
  assert.equal(st.inode.mode, 0o104755);
  assert.equal(st.inode.mtimeSec, 1700000000);
  const a = V.statPath(ctx, C, ctx.cwd, '/etc/a', true), b = V.statPath(ctx, C, ctx.cwd, '/etc/b', true);
  assert.ok(typeof a !== 'number' && typeof b !== 'number');
  assert.equal(a.inode, b.inode);
  assert.equal(a.inode.nlink, 2);
  const ex = V.openExec(ctx, C, '/bin/sh');
  assert.ok(typeof ex !== 'number');
  assert.equal(ex.path, '/bin/busybox');
  assert.equal(mountDevtmpfs(ctx), 0);
  const f = V.openPath(ctx, C, ctx.cwd, '/dev/zero', O_RDONLY, 0) as File;
  const buf = new Uint8Array(4).fill(9);
  assert.equal(f.read(buf, new S()), 4);
  assert.deepEqual([...buf], [0, 0, 0, 0]);
  const nul = V.openPath(ctx, C, ctx.cwd, '/dev/null', O_RDWR, 0) as File;
  assert.equal(nul.write(new Uint8Array(10), new S()), 10);
  assert.match(mountsText(ctx), /^rootfs \/ rootfs rw 0 0\ndevtmpfs \/dev devtmpfs rw 0 0\n$/);
  // /dev/console has no driver until the tty owner registers it.
  assert.equal(V.openPath(ctx, C, ctx.cwd, '/dev/console', O_RDWR, 0), -ENXIO);
});

test('initramfs image: regular files stay in the file until written; a changed image reads EIO', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-img-'));
  const file = path.join(dir, 'root.cpio');
  fs.writeFileSync(file, newc([
    { name: 'bin', mode: 0o40755 },
    { name: 'bin/big', mode: 0o100755, data: 'x'.repeat(70000) + 'END' },
    { name: 'bin/link', mode: 0o120777, data: 'big' },
    { name: 'etc', mode: 0o40755 },
    { name: 'etc/a', mode: 0o100644, ino: 7, nlink: 2, data: '' },
    { name: 'etc/b', mode: 0o100644, ino: 7, nlink: 2, data: 'shared' },
    { name: 'etc/motd', mode: 0o100644, data: 'hello' },
  ]));
  try {
    const ctx = mountRootInitramfs(openImage(file));
    assert.ok(typeof ctx !== 'string', String(ctx));
    const big = V.lookupPath(ctx, C, ctx.cwd, '/bin/link', true);
    assert.ok(typeof big !== 'number');
    const ino = big.d.inode as TmpInode;
    assert.ok(ino.src !== null, 'left in the image');
    assert.equal(ino.size, 70003);
    const tail = new Uint8Array(3);
    assert.equal(ino.read(null, tail, 70000), 3);
    assert.equal(Buffer.from(tail).toString(), 'END');
    assert.equal(readAll(ctx, '/etc/a'), 'shared');
    // A write brings the data into memory; the rest of the file is kept.
    const f = V.openPath(ctx, C, ctx.cwd, '/bin/big', O_RDWR, 0) as File;
    assert.equal(f.pwrite(Buffer.from('AB'), 1, null), 2);
    assert.equal(ino.src, null);
    assert.equal(ino.read(null, tail, 70000), 3);
    assert.equal(Buffer.from(tail).toString(), 'END');
    assert.equal(String(readAll(ctx, '/bin/big')).slice(0, 4), 'xABx');
    // The image changes under the machine: what is still only there reads EIO.
    fs.writeFileSync(file, 'something else');
    const motd = V.lookupPath(ctx, C, ctx.cwd, '/etc/motd', true);
    assert.ok(typeof motd !== 'number');
    assert.equal(motd.d.inode.read(null, new Uint8Array(5), 0), -EIO);
    // A gzipped image file is unpacked into memory as before.
    const gz = path.join(dir, 'root.cpio.gz');
    fs.writeFileSync(gz, gzipSync(newc([{ name: 'f', mode: 0o100644, data: 'zipped' }])));
    const zctx = mountRootInitramfs(openImage(gz));
    assert.ok(typeof zctx !== 'string', String(zctx));
    assert.equal(readAll(zctx, '/f'), 'zipped');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('mount/umount/pivot_root', () => {
  const ctx = new FsContext();
  V.mkdirAt(ctx, C, ctx.cwd, '/mnt', 0o755);
  V.mkdirAt(ctx, C, ctx.cwd, '/new', 0o755);
  assert.equal(doMount(ctx, C, 'none', '/mnt', 'tmpfs', 0, 'mode=755'), 0);
  assert.equal(doMount(ctx, C, 'x', '/mnt', 'nosuchfs', 0, ''), -19);
  const f = V.openPath(ctx, C, ctx.cwd, '/mnt/file', O_RDWR | O_CREAT, 0o644) as File;
  f.get();
  assert.equal(doUmount(ctx, C, '/mnt', 0), -EBUSY);
  f.put();
  assert.equal(doUmount(ctx, C, '/mnt', 0), 0);
  assert.equal(V.lookupPath(ctx, C, ctx.cwd, '/mnt/file', true), -ENOENT);
  assert.equal(doUmount(ctx, C, '/mnt', 0), -EINVAL);
  // pivot_root into a new tmpfs, old root on /new/old
  assert.equal(doMount(ctx, C, 'none', '/new', 'tmpfs', 0, ''), 0);
  V.mkdirAt(ctx, C, ctx.cwd, '/new/old', 0o755);
  assert.equal(doPivotRoot(ctx, C, '/new', '/new/old'), 0);
  assert.equal(V.getCwd(ctx), '/');
  const r = V.lookupPath(ctx, C, ctx.cwd, '/old/mnt', true);
  assert.ok(typeof r !== 'number');
  assert.equal(doUmount(ctx, C, '/old', 2 /* MNT_DETACH */), 0);
  assert.equal(V.lookupPath(ctx, C, ctx.cwd, '/old/mnt', true), -ENOENT);
});

test('pipes: data, EOF, EPIPE, EAGAIN, blocking, poll', () => {
  const [r, w] = makePipe(false);
  r.get(); w.get();
  const s = new S();
  assert.equal(r.poll() & POLLIN, 0);
  assert.equal(w.poll() & POLLOUT, POLLOUT);
  assert.equal(r.read(new Uint8Array(4), s), BLOCK);
  assert.equal(s.blocked, r.waitQueue);
  assert.equal(w.write(Buffer.from('abc'), s), 3);
  assert.equal(r.poll() & POLLIN, POLLIN);
  const b = new Uint8Array(10);
  assert.equal(r.read(b, s), 3);
  // Fill: 64 KiB capacity, then an atomic small write must wait.
  assert.equal(w.write(new Uint8Array(70000), s), 65536);
  w.flags |= O_NONBLOCK;
  assert.equal(w.write(new Uint8Array(1), s), -EAGAIN);
  assert.equal(w.poll() & POLLOUT, 0);
  r.read(new Uint8Array(65536), s);
  w.put();
  assert.equal(r.read(b, s), 0); // EOF
  assert.equal(r.poll() & POLLHUP, POLLHUP);
  const [r2, w2] = makePipe(true);
  r2.get(); w2.get();
  assert.equal(r2.read(b, s), -EAGAIN);
  r2.put();
  assert.equal(w2.write(b, s), -EPIPE);
  assert.equal(w2.poll() & POLLERR, POLLERR);
  void O_WRONLY;
});
