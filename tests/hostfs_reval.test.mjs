// hostfs and changes made on the host while the guest runs: the path walk caches
// dentries (src/fs/vfs/namei.ts) and revalidates what a path names with a host lstat,
// so a guest that looked names up before must see renames, replacements, rewritten
// files and retargeted symlinks made on the host afterwards: in cat, readlink and exec
// (scripts and busybox itself). The guest and the host take turns through marker
// files (the guest writes /stepN and waits for /goN), so nothing depends on timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, ROOT, TUML, scratch, skipReason, tumlBuilt } from './lib/guest.mjs';

const skip = skipReason([
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(path.join(ROOT, 'bin', 'busybox')), 'build/root/bin/busybox missing (run: bash scripts/fetch-guest.sh)'],
]);

/** Run the guest script; at the guest's /stepN, call hostSteps[N-1]() and create /goN. */
function runWithSteps(root, script, hostSteps) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [TUML, 'quiet', 'rootfstype=hostfs', `hostfs=${root}`, '--', '/bin/sh', '-c', script],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', next = 0;
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const poll = setInterval(() => {
      if (next >= hostSteps.length || !fs.existsSync(path.join(root, `step${next + 1}`))) return;
      try { hostSteps[next](); } catch (e) { clearInterval(poll); p.kill('SIGKILL'); reject(e); return; }
      next++;
      fs.writeFileSync(path.join(root, `go${next}`), '');
    }, 20);
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', (status) => { clearInterval(poll); clearTimeout(timer); resolve({ status, out, err, steps: next }); });
  });
}

const wait = (n) => `: > /step${n}; until [ -e /go${n} ]; do usleep 20000; done`;

test('hostfs: the guest sees files, directories, symlinks and programs changed on the host', { skip, timeout: 150_000 }, async () => {
  const s = scratch('tuml-hostfs-reval-');
  const h = (p) => path.join(s.dir, p);
  try {
    fs.mkdirSync(h('bin'));
    fs.copyFileSync(path.join(ROOT, 'bin', 'busybox'), h('bin/busybox'));
    fs.chmodSync(h('bin/busybox'), 0o755);
    for (const a of ['sh', 'cat', 'readlink', 'usleep', 'true']) fs.symlinkSync('busybox', h(`bin/${a}`));
    fs.mkdirSync(h('d/sub'), { recursive: true });
    fs.writeFileSync(h('d/sub/f'), 'one\n');
    fs.writeFileSync(h('d/prog'), '#!/bin/sh\necho prog v1\n', { mode: 0o755 });
    fs.writeFileSync(h('x'), 'X\n'); fs.writeFileSync(h('y'), 'Y\n');
    fs.symlinkSync('x', h('l'));
    const show = 'cat /d/sub/f; cat /e/sub/f; /d/prog; /e/prog; readlink /l; cat /l; /bin/true && echo true ok';
    const script = [show, wait(1), show, wait(2), show, wait(3), show, 'echo done'].join('\n');
    const r = await runWithSteps(s.dir, script, [
      () => {   // a directory renamed, a new one under the old name; a symlink retargeted
        fs.renameSync(h('d'), h('e'));
        fs.mkdirSync(h('d/sub'), { recursive: true });
        fs.writeFileSync(h('d/sub/f'), 'two\n');
        fs.writeFileSync(h('d/prog'), '#!/bin/sh\necho prog v2\n', { mode: 0o755 });
        fs.unlinkSync(h('l')); fs.symlinkSync('y', h('l'));
      },
      () => {   // files rewritten in place and replaced by rename; /bin/true made a script
        fs.writeFileSync(h('d/sub/f'), 'three\n');
        fs.writeFileSync(h('e/prog.new'), '#!/bin/sh\necho prog v3\n', { mode: 0o755 });
        fs.renameSync(h('e/prog.new'), h('e/prog'));
        fs.writeFileSync(h('d/prog'), '#!/bin/sh\necho prog v4\n');
        fs.unlinkSync(h('bin/true'));
        fs.writeFileSync(h('bin/true'), '#!/bin/sh\necho true is a script\n', { mode: 0o755 });
      },
      () => {   // everything removed again
        fs.rmSync(h('e'), { recursive: true });
        fs.unlinkSync(h('l'));
        fs.unlinkSync(h('bin/true')); fs.symlinkSync('busybox', h('bin/true'));
      },
    ]);
    const lines = r.out.split('\n').map((l) => l.replace(/\r$/, '')).filter(Boolean);
    const errs = r.err;
    assert.equal(r.steps, 3, `stopped after ${r.steps} steps\n${r.out}\n${errs}`);
    assert.deepEqual(lines, [
      'one', 'prog v1', 'x', 'X', 'true ok',
      'two', 'one', 'prog v2', 'prog v1', 'y', 'Y', 'true ok',
      'three', 'one', 'prog v4', 'prog v3', 'y', 'Y', 'true is a script', 'true ok',
      'three', 'prog v4', 'true ok',
      'done',
    ], `${r.out}\n${errs}`);
    assert.equal(r.status, 0, errs);
  } finally {
    s.cleanup();
  }
});
