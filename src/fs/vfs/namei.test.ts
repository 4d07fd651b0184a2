import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { FsContext } from './fscontext.js';
import { ROOT_CRED } from './inode.js';
import * as V from './ops.js';
import { Dentry } from './dentry.js';
import { Mount } from './mount.js';
import { TmpfsSb } from '../tmpfs/tmpfs.js';
import { mountRootHostfs } from '../index.js';
import { O_RDONLY, O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY } from '../../abi/linux/fcntl.js';
import { ENOENT, ENOTDIR, ELOOP, EEXIST, ENAMETOOLONG, EACCES, EISDIR, ENOTEMPTY, EXDEV, EBUSY } from '../../abi/linux/errno.js';
import type { File } from './file.js';
import { readFile } from './testfiles.js';

const C = ROOT_CRED;
const user = { fsuid: 1000, fsgid: 1000, groups: [] };
const sleeper = { blockOn(): void { throw new Error('unexpected block'); } };

function look(ctx: FsContext, p: string, follow = true): string | number {
  const r = V.lookupPath(ctx, C, ctx.cwd, p, follow);
  return typeof r === 'number' ? r : V.getCwd(new FsContext(ctx.root, r)) as string;
}

function writeFile(ctx: FsContext, p: string, data: string): void {
  const f = V.openPath(ctx, C, ctx.cwd, p, O_RDWR | O_CREAT, 0o644) as File;
  assert.equal(typeof f, 'object');
  f.write(Buffer.from(data, 'latin1'), sleeper);
}

test('basic walk, . and .., trailing slash', () => {
  const ctx = new FsContext();
  assert.equal(V.mkdirAt(ctx, C, ctx.cwd, '/a', 0o755), 0);
  assert.equal(V.mkdirAt(ctx, C, ctx.cwd, '/a/b', 0o755), 0);
  writeFile(ctx, '/a/b/f', 'hello');
  assert.equal(look(ctx, '/a/b/../b/./f'), '/a/b/f');
  assert.equal(look(ctx, '/../../a'), '/a');
  assert.equal(look(ctx, '/a/b/f/'), -ENOTDIR);
  assert.equal(look(ctx, '/a/b/f/x'), -ENOTDIR);
  assert.equal(look(ctx, '/a/nope'), -ENOENT);
  assert.equal(look(ctx, ''), -ENOENT);
  assert.equal(look(ctx, '/a/' + 'x'.repeat(256)), -ENAMETOOLONG);
  assert.equal(look(ctx, '/' + 'a/'.repeat(2100)), -ENAMETOOLONG);
  assert.equal(readFile(ctx, '/a/b/f'), 'hello');
  assert.equal(V.chdirPath(ctx, C, ctx.cwd, '/a/b'), 0);
  assert.equal(V.getCwd(ctx), '/a/b');
  assert.equal(look(ctx, 'f'), '/a/b/f');
  assert.equal(look(ctx, '../../..'), '/');
});

test('symlinks: relative, absolute, dangling, loops, O_NOFOLLOW', () => {
  const ctx = new FsContext();
  V.mkdirAt(ctx, C, ctx.cwd, '/d', 0o755);
  writeFile(ctx, '/d/f', 'x');
  assert.equal(V.symlinkAt(ctx, C, 'f', ctx.cwd, '/d/rel'), 0);
  assert.equal(V.symlinkAt(ctx, C, '/d', ctx.cwd, '/abs'), 0);
  assert.equal(V.symlinkAt(ctx, C, 'nowhere', ctx.cwd, '/dang'), 0);
  assert.equal(V.symlinkAt(ctx, C, 'loop2', ctx.cwd, '/loop1'), 0);
  assert.equal(V.symlinkAt(ctx, C, 'loop1', ctx.cwd, '/loop2'), 0);
  assert.equal(look(ctx, '/d/rel'), '/d/f');
  assert.equal(look(ctx, '/d/rel', false), '/d/rel');
  assert.equal(look(ctx, '/abs/rel'), '/d/f');
  assert.equal(look(ctx, '/abs/'), '/d');
  assert.equal(look(ctx, '/dang'), -ENOENT);
  assert.equal(look(ctx, '/loop1'), -ELOOP);
  assert.equal(look(ctx, '/loop1', false), '/loop1');
  assert.equal(V.openPath(ctx, C, ctx.cwd, '/d/rel', O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
  // O_CREAT through a dangling symlink creates the target.
  const f = V.openPath(ctx, C, ctx.cwd, '/dang', O_RDWR | O_CREAT, 0o600);
  assert.equal(typeof f, 'object');
  assert.equal(look(ctx, '/nowhere'), '/nowhere');
  assert.equal(V.openPath(ctx, C, ctx.cwd, '/dang', O_RDWR | O_CREAT | O_EXCL, 0o600), -EEXIST);
  // A chain of 40 links resolves, 41 does not.
  for (let i = 0; i < 41; i++) V.symlinkAt(ctx, C, i === 0 ? '/d/f' : `/c${i - 1}`, ctx.cwd, `/c${i}`);
  assert.equal(look(ctx, '/c39'), '/d/f');
  assert.equal(look(ctx, '/c40'), -ELOOP);
  assert.equal(V.readlinkAt(ctx, C, ctx.cwd, '/d/rel'), 'f');
  assert.equal(V.openPath(ctx, C, ctx.cwd, '/d/f', O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
});

test('mounts: stepping in, .. out of a mount, EBUSY, EXDEV', () => {
  const ctx = new FsContext();
  V.mkdirAt(ctx, C, ctx.cwd, '/mnt', 0o755);
  const mp = V.lookupPath(ctx, C, ctx.cwd, '/mnt', true);
  assert.ok(typeof mp !== 'number');
  const sb = new TmpfsSb();
  const m = new Mount(sb, new Dentry('/', null, sb.root), 0, 'none', 'tmpfs', ctx.root.mnt.ns);
  ctx.root.mnt.ns.attach(m, mp.mnt, mp.d);
  ctx.root.mnt.ns.add(m);
  V.mkdirAt(ctx, C, ctx.cwd, '/mnt/inner', 0o755);
  writeFile(ctx, '/top', 'x');
  assert.equal(look(ctx, '/mnt/inner/../..'), '/');
  assert.equal(look(ctx, '/mnt/..'), '/');
  assert.equal(look(ctx, '/mnt/inner'), '/mnt/inner');
  assert.equal(V.unlinkAt(ctx, C, ctx.cwd, '/mnt', true), -EBUSY);
  assert.equal(V.renameAt(ctx, C, ctx.cwd, '/top', ctx.cwd, '/mnt/top', 0), -EXDEV);
  assert.equal(V.linkAt(ctx, C, ctx.cwd, '/top', false, ctx.cwd, '/mnt/top'), -EXDEV);
  // chroot into /mnt: .. stays inside.
  const c2 = ctx.clone();
  assert.equal(V.chrootPath(c2, C, c2.cwd, '/mnt'), 0);
  assert.equal(look(c2, '/../..'), '/');
  assert.equal(look(c2, '/inner/../../..'), '/');
});

test('unlink/rmdir/rename rules and permissions', () => {
  const ctx = new FsContext();
  V.mkdirAt(ctx, C, ctx.cwd, '/d', 0o755);
  V.mkdirAt(ctx, C, ctx.cwd, '/d/sub', 0o755);
  writeFile(ctx, '/d/f', 'x');
  assert.equal(V.unlinkAt(ctx, C, ctx.cwd, '/d', true), -ENOTEMPTY);
  assert.equal(V.unlinkAt(ctx, C, ctx.cwd, '/d/sub', false), -EISDIR);
  assert.equal(V.unlinkAt(ctx, C, ctx.cwd, '/d/f', true), -ENOTDIR);
  assert.equal(V.renameAt(ctx, C, ctx.cwd, '/d', ctx.cwd, '/d/sub/x', 0), -22);
  assert.equal(V.renameAt(ctx, C, ctx.cwd, '/d/f', ctx.cwd, '/d/g', 0), 0);
  assert.equal(readFile(ctx, '/d/g'), 'x');
  assert.equal(look(ctx, '/d/f'), -ENOENT);
  assert.equal(V.linkAt(ctx, C, ctx.cwd, '/d/g', false, ctx.cwd, '/d/h'), 0);
  assert.equal(V.unlinkAt(ctx, C, ctx.cwd, '/d/g', false), 0);
  assert.equal(readFile(ctx, '/d/h'), 'x');
  // a user cannot create in a root-owned 0755 directory
  assert.equal(V.mkdirAt(ctx, user, ctx.cwd, '/d/u', 0o755), -EACCES);
  assert.equal(V.mkdirAt(ctx, C, ctx.cwd, '/d/sub/x', 0o700), 0);
  assert.equal(V.lookupPath(ctx, user, ctx.cwd, '/d/sub/x/y', true), -EACCES);
  // cwd removed → getcwd ENOENT
  V.mkdirAt(ctx, C, ctx.cwd, '/gone', 0o755);
  V.chdirPath(ctx, C, ctx.cwd, '/gone');
  assert.equal(V.unlinkAt(ctx, C, ctx.cwd, '/gone', true), 0);
  assert.equal(V.getCwd(ctx), -ENOENT);
});

test('hostfs: read/write, and confinement against symlinks pointing outside', () => {
  const base = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'tuml-hostfs-'));
  const root = nodePath.join(base, 'root');
  const outside = nodePath.join(base, 'outside');
  fs.mkdirSync(root); fs.mkdirSync(outside);
  fs.writeFileSync(nodePath.join(outside, 'secret'), 'SECRET');
  fs.writeFileSync(nodePath.join(root, 'hello'), 'hi');
  fs.symlinkSync(outside, nodePath.join(root, 'escape'));
  fs.symlinkSync('../outside/secret', nodePath.join(root, 'rel'));
  fs.symlinkSync('/hello', nodePath.join(root, 'absin'));
  try {
    const ctx = mountRootHostfs(root, false);
    assert.ok(typeof ctx !== 'string');
    assert.equal(readFile(ctx, '/hello'), 'hi');
    // An absolute symlink resolves inside the guest root, not the host's.
    assert.equal(look(ctx, '/escape'), -ENOENT);
    assert.equal(readFile(ctx, '/escape/secret'), -ENOENT);
    // `..` stops at the root.
    assert.equal(readFile(ctx, '/rel'), -ENOENT);
    assert.equal(readFile(ctx, '/../outside/secret'), -ENOENT);
    assert.equal(readFile(ctx, '/absin'), 'hi');
    writeFile(ctx, '/new', 'data');
    assert.equal(fs.readFileSync(nodePath.join(root, 'new'), 'latin1'), 'data');
    assert.equal(V.mkdirAt(ctx, C, ctx.cwd, '/dir', 0o755), 0);
    assert.equal(V.renameAt(ctx, C, ctx.cwd, '/new', ctx.cwd, '/dir/new2', 0), 0);
    assert.equal(readFile(ctx, '/dir/new2'), 'data');
    // Writing through a symlink to outside is impossible: the target is guest-relative.
    const f = V.openPath(ctx, C, ctx.cwd, '/escape/secret', O_RDWR | O_CREAT, 0o644);
    assert.equal(f, -ENOENT);
    assert.equal(fs.readFileSync(nodePath.join(outside, 'secret'), 'latin1'), 'SECRET');
    assert.equal(typeof mountRootHostfs(nodePath.join(base, 'nope'), false), 'string');
    const ro = mountRootHostfs(root, true) as FsContext;
    assert.equal(V.mkdirAt(ro, C, ro.cwd, '/x', 0o755), -30);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('hostfs: the path walk sees changes made on the host behind cached dentries', () => {
  const base = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'tuml-hostfs-reval-'));
  const h = (p: string): string => nodePath.join(base, p);
  try {
    fs.mkdirSync(h('d/sub'), { recursive: true });
    fs.writeFileSync(h('d/sub/f'), 'one');
    fs.writeFileSync(h('x'), 'X'); fs.writeFileSync(h('y'), 'Y');
    fs.symlinkSync('x', h('l'));
    fs.mkdirSync(h('p1')); fs.mkdirSync(h('p2'));
    fs.writeFileSync(h('p1/f'), 'in p1'); fs.writeFileSync(h('p2/f'), 'in p2');
    fs.symlinkSync('p1', h('pl'));
    const ctx = mountRootHostfs(base, false) as FsContext;
    assert.equal(readFile(ctx, '/d/sub/f'), 'one');
    assert.equal(readFile(ctx, '/l'), 'X');
    assert.equal(readFile(ctx, '/pl/f'), 'in p1');

    // A directory renamed on the host: the old names fail, also for names never looked up.
    fs.renameSync(h('d'), h('e'));
    assert.equal(readFile(ctx, '/d/sub/f'), -ENOENT);
    assert.equal(look(ctx, '/d/sub'), -ENOENT);
    assert.equal(readFile(ctx, '/d/sub/other'), -ENOENT);
    assert.equal(readFile(ctx, '/e/sub/f'), 'one');
    fs.writeFileSync(h('e/sub/new'), 'new');
    assert.equal(readFile(ctx, '/d/sub/new'), -ENOENT);
    assert.equal(readFile(ctx, '/e/sub/new'), 'new');
    // A new directory under the old name, with other contents.
    fs.mkdirSync(h('d/sub'), { recursive: true });
    fs.writeFileSync(h('d/sub/f'), 'two');
    assert.equal(readFile(ctx, '/d/sub/f'), 'two');
    assert.equal(readFile(ctx, '/e/sub/f'), 'one');
    assert.equal(look(ctx, '/d/sub'), '/d/sub');

    // Files replaced (rename over), rewritten in place, deleted and re-created.
    fs.writeFileSync(h('d/sub/g'), 'three');
    fs.renameSync(h('d/sub/g'), h('d/sub/f'));
    assert.equal(readFile(ctx, '/d/sub/f'), 'three');
    fs.writeFileSync(h('d/sub/f'), 'four!');
    assert.equal(readFile(ctx, '/d/sub/f'), 'four!');
    fs.unlinkSync(h('d/sub/f'));
    assert.equal(readFile(ctx, '/d/sub/f'), -ENOENT);
    fs.writeFileSync(h('d/sub/f'), 'five');
    assert.equal(readFile(ctx, '/d/sub/f'), 'five');

    // Symlinks retargeted on the host, as the last component and in the middle.
    fs.unlinkSync(h('l')); fs.symlinkSync('y', h('l'));
    assert.equal(readFile(ctx, '/l'), 'Y');
    assert.equal(V.readlinkAt(ctx, C, ctx.cwd, '/l'), 'y');
    fs.unlinkSync(h('pl')); fs.symlinkSync('p2', h('pl'));
    assert.equal(readFile(ctx, '/pl/f'), 'in p2');
    // A directory replaced by a file, and a file by a directory.
    fs.rmSync(h('p1'), { recursive: true }); fs.writeFileSync(h('p1'), 'file');
    assert.equal(readFile(ctx, '/p1/f'), -ENOTDIR);
    assert.equal(readFile(ctx, '/p1'), 'file');
    fs.unlinkSync(h('x')); fs.mkdirSync(h('x')); fs.writeFileSync(h('x/f'), 'x/f');
    assert.equal(readFile(ctx, '/x/f'), 'x/f');

    // exec: a program replaced on the host is opened afresh (not the parked host fd).
    fs.writeFileSync(h('prog'), 'old program'); fs.chmodSync(h('prog'), 0o755);
    const read = (p: string): string => {
      const e = V.openExec(ctx, C, p);
      if (typeof e === 'number') return String(e);
      const b = new Uint8Array(64);
      const n = e.pread(b, 0);
      e.close();
      return Buffer.from(b.subarray(0, n)).toString('latin1');
    };
    assert.equal(read('/prog'), 'old program');
    assert.equal(read('/prog'), 'old program');
    fs.writeFileSync(h('prog.new'), 'new program'); fs.chmodSync(h('prog.new'), 0o755);
    fs.renameSync(h('prog.new'), h('prog'));
    assert.equal(read('/prog'), 'new program');
    fs.chmodSync(h('prog'), 0o644);
    assert.equal(read('/prog'), String(-EACCES));
    // stat sees a size changed on the host.
    fs.chmodSync(h('prog'), 0o755);
    fs.appendFileSync(h('prog'), ' grown');
    const st = V.statPath(ctx, C, ctx.cwd, '/prog', true);
    assert.ok(typeof st !== 'number' && st.inode.size === 'new program grown'.length);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('hostfs: a cached directory replaced by a symlink to outside the root is not followed on the host', () => {
  const base = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'tuml-hostfs-conf-'));
  const root = nodePath.join(base, 'root'), outside = nodePath.join(base, 'outside');
  try {
    fs.mkdirSync(nodePath.join(root, 'x'), { recursive: true }); fs.mkdirSync(outside);
    fs.writeFileSync(nodePath.join(root, 'x', 'f'), 'f');
    fs.writeFileSync(nodePath.join(outside, 'secret'), 'SECRET');
    // Two mounts of the same host tree: a change through one is a host change to the other.
    const a = mountRootHostfs(root, false) as FsContext, b = mountRootHostfs(root, false) as FsContext;
    assert.equal(readFile(a, '/x/f'), 'f');
    const cwd = new FsContext(a.root, a.root);
    assert.equal(V.chdirPath(cwd, C, cwd.cwd, '/x'), 0);
    assert.equal(readFile(cwd, 'f'), 'f');
    assert.equal(V.renameAt(b, C, b.cwd, '/x', b.cwd, '/x2', 0), 0);
    assert.equal(V.symlinkAt(b, C, outside, b.cwd, '/x'), 0);
    // Through the first mount's cached /x: the symlink is the guest's to resolve (inside the root).
    assert.equal(readFile(a, '/x/secret'), -ENOENT);
    assert.equal(V.openPath(a, C, a.cwd, '/x/new', O_RDWR | O_CREAT, 0o644), -ENOENT);
    assert.equal(readFile(cwd, 'secret'), -ENOENT);
    assert.equal(V.openPath(cwd, C, cwd.cwd, 'new', O_RDWR | O_CREAT, 0o644), -ENOENT);
    assert.equal(readFile(a, '/x2/f'), 'f');
    assert.deepEqual(fs.readdirSync(outside), ['secret']);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
