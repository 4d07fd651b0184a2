// Issue 5's acceptance runs at full size, on an image made by bin/tuml-mkimage:
//   - boot `ubd0=root.cow,root.img root=/dev/ubda` (the image's own busybox init),
//     write 1,000 files and a 64 MiB file, poweroff; uml_moo merges the COW file;
//     e2fsck -fn is clean; every file matches; the base image is unchanged;
//   - crash safety: the same workload, `sync` in the guest, kill -9 of tuml: e2fsck
//     clean, the synced files intact;
//   - two images made by the tool (from=busybox and from=DIR) mounted together, cp -a
//     between them;
//   - tuml-mkimage's bad input: one line and a non-zero status.
// The verdicts come from e2fsprogs and uml-utilities, not from tuml.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, TUML, have, scratch, skipReason, tumlBuilt } from './lib/guest.mjs';

const MKIMAGE = path.join(REPO, 'bin', 'tuml-mkimage');
const debs = path.join(REPO, 'build', 'apt', 'debs');
const haveDeb = fs.existsSync(debs) && fs.readdirSync(debs).some((f) => /^busybox-static_.*_riscv64\.deb$/.test(f));
const skip = skipReason([
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [haveDeb, 'no busybox-static riscv64 .deb in build/apt/debs (run: bash scripts/fetch-guest.sh)'],
  [have('mke2fs') && have('e2fsck') && have('debugfs') && have('dpkg'), 'e2fsprogs and dpkg are needed'],
  [have('uml_moo'), 'uml-utilities (uml_moo) missing: apt-get install uml-utilities'],
]);

const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const fileSha = (f) => sha(fs.readFileSync(f));
function fsck(file) {
  const r = run('e2fsck', ['-fn', file]);
  assert.equal(r.status, 0, `e2fsck -fn ${file} found problems:\n${r.stdout}${r.stderr}`);
}
function mkimage(args) { return run(process.execPath, [MKIMAGE, ...args], { cwd: REPO, timeout: 180_000 }); }

let dir, cleanup = () => {}, img, imgSha, src, big;

/** The guest's work (run from a hostfs mount of src): 1,000 files and a 64 MiB copy. */
const WORK = `set -e
grep -q ' /proc proc ' /proc/mounts && grep -q ' /sys sysfs ' /proc/mounts && grep -q ' /dev devtmpfs ' /proc/mounts && echo mounts-ok
mkdir /many
i=0; while [ $i -lt 1000 ]; do echo "file $i of 1000" > /many/f$i; i=$((i+1)); done
cp /h/big /big
echo work-done
`;

/**
 * Boot the image's own init with the console on a pipe; type `line` at the shell.
 * Resolves with the output once `until` shows up (then kills tuml with SIGKILL when
 * kill is set) or tuml exits.
 */
function boot(args, line, { until = null, kill = false, timeoutMs = 240_000 } = {}) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [TUML, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', done = false;
    const finish = (status) => { if (!done) { done = true; clearTimeout(timer); resolve({ out, status }); } };
    const timer = setTimeout(() => { p.kill('SIGKILL'); out += '\n[timeout]'; }, timeoutMs);
    const onData = (d) => {
      out += d;
      if (until && kill && out.includes(until) && !p.killed) p.kill('SIGKILL');
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('exit', (code, sig) => finish(sig ?? code));
    p.stdin.on('error', () => {});
    p.stdin.write(line + '\n');
  });
}

/** Merge cow (over img) with uml_moo, check it with e2fsck, compare every file. */
function checkMerged(cow, name) {
  const merged = path.join(dir, name);
  const m = run('uml_moo', [cow, merged]);
  assert.equal(m.status, 0, m.stderr);
  fsck(merged);
  const out = path.join(dir, `${name}.many`);
  fs.mkdirSync(out);
  const r = run('debugfs', ['-R', `rdump /many ${out}`, merged]);
  assert.equal(r.status, 0, r.stderr);
  const files = fs.readdirSync(path.join(out, 'many'));
  assert.equal(files.length, 1000);
  for (let i = 0; i < 1000; i++) {
    assert.equal(fs.readFileSync(path.join(out, 'many', `f${i}`), 'utf8'), `file ${i} of 1000\n`, `/many/f${i}`);
  }
  const b = run('debugfs', ['-R', 'cat /big', merged], { encoding: 'buffer' });
  assert.equal(b.stdout.length, big.length);
  assert.equal(sha(b.stdout), sha(big), '/big differs');
  fs.rmSync(merged);
}

describe('storage acceptance (tuml-mkimage images, full size)', { skip }, () => {
  before(() => {
    ({ dir, cleanup } = scratch('tuml-accept-'));
    src = path.join(dir, 'src');
    fs.mkdirSync(src);
    big = crypto.randomBytes(64 << 20);
    fs.writeFileSync(path.join(src, 'big'), big);
    fs.writeFileSync(path.join(src, 'work.sh'), WORK);
    img = path.join(dir, 'root.img');
    const r = mkimage([img, 'from=busybox', 'size=256M', 'blocksize=1K']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /root\.img: 256 MiB ext2 \(1024-byte blocks\)/);
    fsck(img);
    imgSha = fileSha(img);
  });
  after(() => cleanup());

  const work = `mkdir -p /h && mount -t hostfs none /h -o ${'SRC'} && sh /h/work.sh`;

  test('boot from a COW overlay: 1,000 files and 64 MiB, poweroff, uml_moo, e2fsck, checksums', async () => {
    const cow = path.join(dir, 'root.cow');
    const r = await boot([`ubd0=${cow},${img}`, 'root=/dev/ubda'], `${work.replace('SRC', src)}; umount /h; poweroff`);
    assert.equal(r.status, 0, r.out.slice(-2000));
    assert.match(r.out, /mounts-ok/);
    assert.match(r.out, /work-done/);
    assert.match(r.out, /reboot: Power down/);
    assert.equal(fileSha(img), imgSha, 'the base image changed');
    checkMerged(cow, 'merged.img');
  });

  test('crash safety: the same workload, sync, kill -9: e2fsck clean, synced files intact', async () => {
    const cow = path.join(dir, 'crash.cow');
    const r = await boot([`ubd0=${cow},${img}`, 'root=/dev/ubda'], `${work.replace('SRC', src)} && sync && echo SYNC''ED`,
      { until: 'SYNCED', kill: true });
    assert.match(r.out, /work-done/);
    assert.equal(r.status, 'SIGKILL', r.out.slice(-2000));
    assert.equal(fileSha(img), imgSha, 'the base image changed');
    checkMerged(cow, 'crash-merged.img');
  });

  test('two images made by the tool, mounted together, cp -a between them', () => {
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(path.join(tree, 'd', 'e'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'd', 'e', 'x'), 'x'.repeat(70000));
    fs.symlinkSync('d/e/x', path.join(tree, 'link'));
    fs.chmodSync(path.join(tree, 'd'), 0o750);
    const data = path.join(dir, 'data.img');
    const m = mkimage([data, `from=${tree}`, 'size=32M', 'blocksize=4096']);
    assert.equal(m.status, 0, m.stderr);
    const cow = path.join(dir, 'two.cow');
    const r = run(process.execPath, [TUML, 'quiet', `ubd0=${cow},${img}`, `ubd1=${data}`, 'root=/dev/ubda', '--', '/bin/sh', '-c', [
      'set -e', 'mount -t proc proc /proc', 'mount /dev/ubdb /mnt', 'cp -a /mnt/d /mnt/link /root/', 'cp -a /etc /bin /mnt/',
      'md5sum /root/d/e/x /mnt/d/e/x | cut -d" " -f1 | uniq | wc -l; ls -ld /root/d | cut -c1-10; readlink /root/link',
      'umount /mnt', 'sync',
    ].join('\n')], { cwd: REPO, timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '1\ndrwxr-x---\nd/e/x\n');
    fsck(data);
    const merged = path.join(dir, 'two-merged.img');
    assert.equal(run('uml_moo', [cow, merged]).status, 0);
    fsck(merged);
    assert.equal(run('debugfs', ['-R', 'cat /root/d/e/x', merged]).stdout, 'x'.repeat(70000));
    assert.equal(run('debugfs', ['-R', 'cat /etc/passwd', data]).stdout, fs.readFileSync(path.join(REPO, 'scripts', 'initramfs', 'etc', 'passwd'), 'utf8'));
  });

  // from=debian reuses build/debian when scripts/fetch-debian.sh made it (CI does, before
  // the tests): the image boots the init the tool adds to a root without one.
  const debian = path.join(REPO, 'build', 'debian');
  test('from=debian: an image of the debootstrap root boots to bash', {
    skip: fs.existsSync(path.join(debian, '.tuml-ready')) ? false : 'build/debian missing (bash scripts/fetch-debian.sh)',
  }, async () => {
    const deb = path.join(dir, 'debian.img');
    const m = mkimage([deb, 'from=debian', `debian-dir=${debian}`]);
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stderr, /debian\.img: \d+ MiB ext2 \(4096-byte blocks\)/);
    const r = await boot([`ubd0=${deb}.cow,${deb}`, 'root=/dev/ubda'],
      'cat /etc/debian_version; grep -c " /proc \\| /sys \\| /dev " /proc/mounts; echo $0; exit');
    assert.equal(r.status, 0, r.out.slice(-2000));
    assert.match(r.out, /\n\d+(\.\d+)?\r?\n3\r?\n\/bin\/bash\r?\n/);
    fs.rmSync(deb); fs.rmSync(`${deb}.cow`);
  });

  test('tuml-mkimage: bad input gets one line and a non-zero status, and no image', () => {
    const out = path.join(dir, 'bad.img');
    const cases = [
      [[out, 'from=busybox', 'size=12Q'], /^tuml-mkimage: bad size '12Q'/],
      [[out, 'from=busybox', 'blocksize=3000'], /^tuml-mkimage: bad blocksize '3000' \(1024 or 4096\)/],
      [[out, `from=${path.join(dir, 'nope')}`], /^tuml-mkimage: from=.*nope: No such file or directory/],
      [[out, `from=${path.join(src, 'big')}`], /^tuml-mkimage: from=.*big: Not a directory/],
      [[out, `from=${src}`, 'size=8M'], /^tuml-mkimage: size=8388608 is too small for .* give at least size=\d+M/],
      [[img, 'from=busybox'], /^tuml-mkimage: .*root\.img exists \(give force to overwrite it\)/],
      [[out, 'from=busybox', 'deb=/nonexistent.deb'], /^tuml-mkimage: deb=\/nonexistent\.deb: No such file or directory/],
    ];
    for (const [args, re] of cases) {
      const r = mkimage(args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(!fs.existsSync(out), `${out} was left behind`);
    }
    assert.equal(fileSha(img), imgSha);
  });
});
