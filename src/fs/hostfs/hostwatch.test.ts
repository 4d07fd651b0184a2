// hostfs with host watches (hostwatch.ts): a checked file is trusted without an lstat
// until an event names it, and every change the lstat would have seen is still seen at
// once: through a second hard link, by an ancestor's rename, in a name looked up in vain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { FsContext } from '../vfs/fscontext.js';
import { ROOT_CRED } from '../vfs/inode.js';
import * as V from '../vfs/ops.js';
import { mountRootHostfs } from '../index.js';
import { O_RDONLY, O_RDWR, O_CREAT } from '../../abi/linux/fcntl.js';
import { ENOENT } from '../../abi/linux/errno.js';
import { dgramAddon } from '../../drivers/unixdgram.js';
import type { File } from '../vfs/file.js';
import { readFile } from '../vfs/testfiles.js';

const C = ROOT_CRED;
const sleeper = { blockOn(): void { throw new Error('unexpected block'); } };
const skip = dgramAddon()?.inotifyInit ? false : 'the native addon (with inotify) is not built';

/** Count the host lstats made while f runs (hostfs calls node:fs's lstatSync). */
function lstats(f: () => void): number {
  const cjs = createRequire(import.meta.url)('node:fs') as { lstatSync: (...a: unknown[]) => unknown };
  const orig = cjs.lstatSync;
  let n = 0;
  cjs.lstatSync = (...a: unknown[]): unknown => { n++; return orig(...a); };
  syncBuiltinESMExports();
  try { f(); } finally { cjs.lstatSync = orig; syncBuiltinESMExports(); }
  return n;
}

const read = readFile;
const size = (ctx: FsContext, p: string): number => {
  const st = V.statPath(ctx, C, ctx.cwd, p, true);
  return typeof st === 'number' ? st : st.inode.size;
};

test('hostwatch: a checked file is trusted with no host lstat, until the host changes it', { skip }, () => {
  const base = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'tuml-hostwatch-'));
  const h = (p: string): string => nodePath.join(base, p);
  try {
    fs.mkdirSync(h('bin'));
    fs.writeFileSync(h('bin/prog'), 'v1');
    fs.symlinkSync('prog', h('bin/link'));
    const ctx = mountRootHostfs(base, false) as FsContext;
    assert.equal(read(ctx, '/bin/link'), 'v1');
    assert.equal(read(ctx, '/bin/link'), 'v1');
    // Checked and watched by now: the same walk again asks the host nothing.
    assert.equal(lstats(() => assert.equal(read(ctx, '/bin/link'), 'v1')), 0);
    // Rewritten in place: the file's own watch.
    fs.writeFileSync(h('bin/prog'), 'v2 longer');
    assert.equal(lstats(() => assert.equal(size(ctx, '/bin/link'), 9)), 1);
    assert.equal(read(ctx, '/bin/link'), 'v2 longer');
    // Through a second name in a directory the guest never looked at.
    fs.mkdirSync(h('other'));
    fs.linkSync(h('bin/prog'), h('other/hard'));
    assert.equal(read(ctx, '/bin/prog'), 'v2 longer');
    fs.appendFileSync(h('other/hard'), '+');
    assert.equal(size(ctx, '/bin/prog'), 10);
    // The symlink retargeted; then the directory above renamed away and made again.
    fs.writeFileSync(h('bin/prog2'), 'two');
    fs.unlinkSync(h('bin/link')); fs.symlinkSync('prog2', h('bin/link'));
    assert.equal(read(ctx, '/bin/link'), 'two');
    fs.renameSync(h('bin'), h('bin.old'));
    fs.mkdirSync(h('bin'));
    fs.writeFileSync(h('bin/prog2'), 'three');
    fs.symlinkSync('prog2', h('bin/link'));
    assert.equal(read(ctx, '/bin/link'), 'three');
    assert.equal(read(ctx, '/bin.old/link'), 'two');
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('hostwatch: a name looked up in vain is remembered until it is created, by the host or the guest', { skip }, () => {
  const base = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'tuml-hostwatch-neg-'));
  const h = (p: string): string => nodePath.join(base, p);
  try {
    fs.mkdirSync(h('d'));
    const ctx = mountRootHostfs(base, false) as FsContext;
    assert.equal(read(ctx, '/proc/self/exe'), -ENOENT);
    assert.equal(lstats(() => assert.equal(read(ctx, '/proc/self/exe'), -ENOENT)), 0);
    fs.mkdirSync(h('proc/self'), { recursive: true });
    fs.writeFileSync(h('proc/self/exe'), 'host');
    assert.equal(read(ctx, '/proc/self/exe'), 'host');
    // Created by the guest right after a failed lookup: the host's event is read first.
    assert.equal(read(ctx, '/d/new'), -ENOENT);
    assert.equal(read(ctx, '/d/new'), -ENOENT);
    const f = V.openPath(ctx, C, ctx.cwd, '/d/new', O_RDWR | O_CREAT, 0o644) as File;
    f.write(Buffer.from('guest'), sleeper);
    assert.equal(read(ctx, '/d/new'), 'guest');
    // Removed on the host: gone for the guest at once.
    fs.unlinkSync(h('d/new'));
    assert.equal(read(ctx, '/d/new'), -ENOENT);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
