// Storage: ubd devices on ext2 images made by mke2fs, UML COW files checked against
// Debian's uml-utilities (uml_moo, uml_mkcow), ext4 read-only, mount/remount/df,
// confined hostfs mounts, bad input, and durability across kill -9.
// Every image is checked with `e2fsck -fn` after the guest session: the verdict on our
// ext2 writing comes from e2fsprogs, not from tuml.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, ROOT, TUML, have, scratch, skipReason, tumlBuilt } from './lib/guest.mjs';

const skip = skipReason([
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(path.join(ROOT, 'bin', 'busybox')), 'build/root/bin/busybox missing (run: bash scripts/fetch-guest.sh)'],
  [have('mke2fs') && have('e2fsck') && have('debugfs'), 'e2fsprogs (mke2fs, e2fsck, debugfs) missing'],
]);
const noUml = have('uml_moo') && have('uml_mkcow') ? false : 'uml-utilities (uml_moo, uml_mkcow) missing: apt-get install uml-utilities';

let dir;
let cleanup = () => {};
let base; // busybox root image (ext2, 1 KiB blocks)

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
}
function tuml(kargs, cmd, timeout = 120_000) {
  return run(process.execPath, [TUML, 'quiet', ...kargs, '--', '/bin/sh', '-c', cmd], { cwd: REPO, timeout, killSignal: 'SIGKILL' });
}
function mkfs(file, sizeM, extra = []) {
  const r = run('mke2fs', ['-q', '-F', ...extra, file, `${sizeM}M`]);
  assert.equal(r.status, 0, r.stderr);
}
function fsck(file) {
  const r = run('e2fsck', ['-fn', file]);
  assert.equal(r.status, 0, `e2fsck -fn ${file} found problems:\n${r.stdout}${r.stderr}`);
}
function dcat(img, p) {
  const r = run('debugfs', ['-R', `cat ${p}`, img], { encoding: 'buffer' });
  return r.stdout;
}
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const fileSha = (f) => sha(fs.readFileSync(f));

describe('storage', { skip }, () => {
  before(() => {
    const sc = scratch('tuml-storage-');
    dir = sc.dir;
    cleanup = sc.cleanup;
    base = path.join(dir, 'base.img');
    mkfs(base, 64, ['-t', 'ext2', '-b', '1024', '-d', ROOT]);
  });

  after(() => cleanup());

  test('ext2 read-write on a 1 KiB-block root: every kind of change, then e2fsck is clean', () => {
    const img = path.join(dir, 'rw1k.img');
    fs.copyFileSync(base, img);
    const r = tuml([`ubda=${img}`, 'root=/dev/ubda'], [
      'set -e', 'cd /tmp',
      'mkdir -p a/b/c; echo hello > a/b/c/f; ln a/b/c/f hard; ln -s a/b/c/f fast',
      `ln -s /${'x'.repeat(100)}/target slow`,
      'i=0; while [ $i -lt 300 ]; do echo $i > a/n$i; i=$((i+1)); done',
      'rm a/n7; mv a/n8 a/b/moved; mv a/b/c a/c2; rmdir a/b/c 2>/dev/null || true',
      'dd if=/dev/zero of=big bs=1k count=3000 2>/dev/null; truncate -s 1000 big; truncate -s 20M sparse',
      'echo tail >> sparse',
      'chmod 4751 hard; chown 123:456 hard; touch -d "2001-02-03 04:05:06" hard',
      'stat -c "%a %u %g %h %s" hard a/c2/f; ls a | wc -l; readlink fast; readlink slow | wc -c; wc -c < big; wc -c < sparse',
    ].join('\n'));
    assert.equal(r.status, 0, r.stderr);
    // 300 entries in a: n0..n299 without n7 and n8, plus b and c2.
    assert.equal(r.stdout, '751 123 456 2 6\n751 123 456 2 6\n300\na/b/c/f\n109\n1000\n20971525\n');
    fsck(img);
    assert.equal(dcat(img, '/tmp/a/c2/f').toString(), 'hello\n');
    assert.equal(dcat(img, '/tmp/a/b/moved').toString(), '8\n');
    const st = run('debugfs', ['-R', 'stat /tmp/hard', img]).stdout;
    assert.match(st, /User:\s+123\s+Group:\s+456/);
    assert.match(st, /Mode:\s+0751/); // chown cleared set-user-ID, as Linux does
  });

  test('4 KiB blocks, two devices at once, cp -a between them, df and remount', () => {
    const img = path.join(dir, 'root4.img');
    const data = path.join(dir, 'data4k.img');
    fs.copyFileSync(base, img);
    mkfs(data, 128, ['-t', 'ext2', '-b', '4096']);
    const r = tuml([`ubd0=${img}`, `ubd1=${data}`, 'root=/dev/ubda'], [
      'set -e', 'mount -t proc proc /proc', 'mkdir -p /mnt/d', 'mount -t ext2 /dev/ubdb /mnt/d',
      'cp -a /bin /mnt/d/bin; cp -a /etc /mnt/d/etc',
      'dd if=/dev/urandom of=/mnt/d/rand bs=64k count=64 2>/dev/null; md5sum /mnt/d/rand | cut -d" " -f1 > /mnt/d/rand.md5',
      'cp -a /mnt/d/rand /rand.copy; cmp /mnt/d/rand /rand.copy',
      'ls /mnt/d/bin | wc -l; ls /bin | wc -l',
      'df -k /mnt/d | tail -1',
      'mount -o remount,ro /mnt/d; if touch /mnt/d/x 2>/dev/null; then echo WRITABLE; fi; grep " /mnt/d " /proc/mounts',
      'mount -o remount,rw /mnt/d; touch /mnt/d/x', 'umount /mnt/d', 'sync',
    ].join('\n'));
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], lines[1]);
    // df: total minus free is used; the figures agree with dumpe2fs's counts.
    const [, total, used, avail] = lines[2].trim().split(/\s+/).map(Number);
    const dump = run('dumpe2fs', ['-h', data]).stdout;
    const num = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(dump)[1]);
    assert.ok(total > 0 && used > 0 && avail > 0);
    assert.ok(Math.abs(avail - (num('Free blocks') - num('Reserved block count')) * 4) <= 64, lines[2]);
    assert.match(lines[3], /^\/dev\/ubdb \/mnt\/d ext2 ro/);
    fsck(img); fsck(data);
    const rand = dcat(data, '/rand');
    assert.equal(rand.length, 64 * 65536);
    assert.equal(crypto.createHash('md5').update(rand).digest('hex') + '\n', dcat(data, '/rand.md5').toString());
    assert.equal(sha(dcat(img, '/rand.copy')), sha(rand));
  });

  test('ext4 images mount read-only', () => {
    const src = path.join(dir, 'e4src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'sub', 'nums'), Array.from({ length: 20000 }, (_, i) => `${i}\n`).join(''));
    fs.symlinkSync('sub/nums', path.join(src, 'link'));
    const e4 = path.join(dir, 'e4.img');
    mkfs(e4, 32, ['-t', 'ext4', '-d', src]);
    const before = fileSha(e4);
    const r = tuml([`ubda=${base}`, 'ubdbr=' + e4, 'root=/dev/ubda', 'ro'], [
      'mount -t proc proc /proc; mount -t tmpfs tmpfs /tmp; mkdir /tmp/m; mount -t ext4 -o ro /dev/ubdb /tmp/m && grep ubdb /proc/mounts',
      'md5sum < /tmp/m/link; touch /tmp/m/new 2>&1 | grep -c Read-only',
    ].join('\n'));
    assert.equal(r.status, 0, r.stderr);
    const md5 = crypto.createHash('md5').update(fs.readFileSync(path.join(src, 'sub', 'nums'))).digest('hex');
    assert.equal(r.stdout, `/dev/ubdb /tmp/m ext4 ro,relatime 0 0\n${md5}  -\n1\n`);
    assert.equal(fileSha(e4), before);
  });

  test('COW: tuml writes a UML COW file, uml_moo merges it, the backing file is untouched', { skip: noUml }, () => {
    const cow = path.join(dir, 'root.cow');
    const before = fileSha(base);
    const r = tuml([`ubd0=${cow},${base}`, 'root=/dev/ubda'], [
      'set -e', 'mkdir /many; i=0; while [ $i -lt 1000 ]; do echo file$i > /many/f$i; i=$((i+1)); done',
      'dd if=/dev/urandom of=/blob bs=64k count=100 2>/dev/null', 'md5sum /blob | cut -d" " -f1', 'sync',
    ].join('\n'), 300_000);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fileSha(base), before, 'the backing file changed');
    // The header is UML's version 3, byte for byte what uml_mkcow writes.
    const mk = path.join(dir, 'ref.cow');
    assert.equal(run('uml_mkcow', [mk, base]).status, 0);
    assert.deepEqual(fs.readFileSync(cow).subarray(0, 4128), fs.readFileSync(mk).subarray(0, 4128));
    const merged = path.join(dir, 'merged.img');
    const m = run('uml_moo', [cow, merged]);
    assert.equal(m.status, 0, m.stderr);
    fsck(merged);
    const blob = dcat(merged, '/blob');
    assert.equal(blob.length, 6553600);
    assert.equal(crypto.createHash('md5').update(blob).digest('hex'), r.stdout.trim());
    assert.equal(dcat(merged, '/many/f999').toString(), 'file999\n');
  });

  test('COW: a file made by uml_mkcow works in tuml (the backing file named by its header)', { skip: noUml }, () => {
    const cow = path.join(dir, 'mk.cow');
    assert.equal(run('uml_mkcow', [cow, base]).status, 0);
    const r = tuml([`ubd0=${cow}`, 'root=/dev/ubda'], 'echo from-mkcow > /hello; cat /etc/passwd | head -1 | cut -c1-4; sync');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'root\n');
    const merged = path.join(dir, 'merged2.img');
    assert.equal(run('uml_moo', ['-b', base, cow, merged]).status, 0);
    fsck(merged);
    assert.equal(dcat(merged, '/hello').toString(), 'from-mkcow\n');
  });

  test('bad input: corrupt superblock, truncated image, changed backing file, image in use', async () => {
    const corrupt = path.join(dir, 'corrupt.img');
    fs.copyFileSync(base, corrupt);
    const fd = fs.openSync(corrupt, 'r+'); fs.writeSync(fd, Buffer.alloc(1024), 0, 1024, 1024); fs.closeSync(fd);
    let sum = fileSha(corrupt);
    let r = tuml([`ubda=${corrupt}`, 'root=/dev/ubda'], 'true');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /ubda: no ext2\/ext3\/ext4 filesystem \(bad superblock magic\)/);
    assert.equal(fileSha(corrupt), sum);

    const trunc = path.join(dir, 'trunc.img');
    fs.copyFileSync(base, trunc); fs.truncateSync(trunc, 10 << 20);
    sum = fileSha(trunc);
    r = tuml([`ubda=${trunc}`, 'root=/dev/ubda'], 'true');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /truncated/);
    assert.equal(fileSha(trunc), sum);

    // A data disk that is corrupt: mount(2) fails, the kernel goes on.
    r = tuml([`ubda=${base}`, `ubdbr=${corrupt}`, 'root=/dev/ubda', 'ro'], 'mount -t ext2 /dev/ubdb /mnt || echo survived');
    assert.match(r.stdout, /survived/);

    const b2 = path.join(dir, 'b2.img');
    const c2 = path.join(dir, 'b2.cow');
    fs.copyFileSync(base, b2);
    assert.equal(tuml([`ubd0=${c2},${b2}`, 'root=/dev/ubda'], 'true').status, 0);
    const t = new Date(Date.now() + 5000); fs.utimesSync(b2, t, t);
    sum = fileSha(c2);
    r = tuml([`ubd0=${c2},${b2}`, 'root=/dev/ubda'], 'true');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /mtime mismatch \(\d+ vs \d+\) of COW header vs backing file/);
    assert.equal(fileSha(c2), sum);

    // Another tuml holds the image read-write.
    const held = path.join(dir, 'held.img');
    fs.copyFileSync(base, held);
    const first = spawn(process.execPath, [TUML, 'quiet', `ubda=${held}`, 'root=/dev/ubda', '--', '/bin/sh', '-c', 'echo up; sleep 30'], { cwd: REPO });
    await new Promise((res) => first.stdout.once('data', res));
    try {
      r = tuml([`ubda=${held}`, 'root=/dev/ubda'], 'true');
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /in use by another machine/);
      // Read-only use is allowed.
      r = tuml([`ubdar=${held}`, 'root=/dev/ubda'], 'echo ro-ok');
      assert.equal(r.stdout, 'ro-ok\n', r.stderr);
    } finally { first.kill('SIGKILL'); }
    await new Promise((res) => first.once('exit', res));
    // A stale lock (its holder was killed) does not stop the next machine.
    r = tuml([`ubda=${held}`, 'root=/dev/ubda'], 'echo again');
    assert.equal(r.stdout, 'again\n', r.stderr);
  });

  test('durability: what the guest synced survives kill -9 of tuml', async () => {
    for (const flag of ['', 's']) {
      const img = path.join(dir, `crash${flag}.img`);
      fs.copyFileSync(base, img);
      const p = spawn(process.execPath, [TUML, 'quiet', `ubda${flag}=${img}`, 'root=/dev/ubda', '--', '/bin/sh', '-c',
        'mkdir /data; i=0; while [ $i -lt 200 ]; do echo synced$i > /data/f$i; i=$((i+1)); done; ' +
        'dd if=/dev/urandom of=/data/blob bs=64k count=32 2>/dev/null; md5sum /data/blob; sync; echo READY; ' +
        'while :; do echo unsynced >> /data/late; done'], { cwd: REPO });
      let out = '';
      await new Promise((res) => p.stdout.on('data', (d) => { out += d; if (out.includes('READY')) res(); }));
      await new Promise((res) => setTimeout(res, 300));
      p.kill('SIGKILL');
      await new Promise((res) => p.once('exit', res));
      fs.rmSync(img + '.lock', { force: true });
      const md5 = out.split(/\s+/)[0];
      // The machine died in the middle of writing: ext2 has no journal, so e2fsck may
      // find the unsynced tail half-done (a block marked in use that no inode holds yet),
      // even with `s`; everything synced is intact. An idle machine killed after sync is
      // e2fsck-clean: tests/storage-acceptance.test.mjs.
      assert.equal(dcat(img, '/data/f199').toString(), 'synced199\n');
      assert.equal(crypto.createHash('md5').update(dcat(img, '/data/blob')).digest('hex'), md5);
    }
  });

  // The expected lines are what real UML 6.1 (Debian's user-mode-linux, amd64 busybox)
  // printed for the same script with the same devices.
  test('block device files: /dev/ubdX read, write, seek, ioctls, discard, mke2fs and mount', { skip: noUml }, () => {
    const d = path.join(dir, 'bdev.img'), ro = path.join(dir, 'bdev-ro.img'), nt = path.join(dir, 'bdev-nt.img');
    fs.writeFileSync(d, ''); fs.truncateSync(d, 8 << 20);
    const fd = fs.openSync(d, 'r+'); fs.writeSync(fd, Buffer.from('HELLO'), 0, 5, 0); fs.closeSync(fd);
    for (const f of [ro, nt]) { fs.writeFileSync(f, ''); fs.truncateSync(f, 8 << 20); }
    // A COW device over random data: discarded sectors read as zeros, the backing file stays.
    const back = path.join(dir, 'bdev-back.img'), cow = path.join(dir, 'bdev.cow');
    fs.writeFileSync(back, crypto.randomBytes(1 << 20));
    const backSum = fileSha(back);
    const r = tuml([`ubda=${base}`, 'root=/dev/ubda', `ubdb=${d}`, `ubdcr=${ro}`, `ubddt=${nt}`, `ubde=${cow},${back}`], [
      'mount -t proc proc /proc',
      'ls -l /dev/ubdb | cut -c1-10',
      'mount -t sysfs sys /sys; grep ubdb /proc/partitions; cat /sys/block/ubdb/size /sys/block/ubdc/ro /sys/block/ubdd/queue/discard_max_bytes',
      'for o in --getsize64 --getss --getbsz --getsz; do blockdev $o /dev/ubdb; done; blockdev --getro /dev/ubdb; blockdev --getro /dev/ubdc',
      "stat -c '%s %t %T %F' /dev/ubdb",
      'dd if=/dev/ubdb bs=5 count=1 2>/dev/null; echo',
      'dd if=/dev/ubdb of=/dev/null bs=1M 2>&1 | tail -1',
      'dd if=/dev/zero of=/dev/ubdb bs=1M seek=7 count=2 2>&1 | head -1',
      'echo x | dd of=/dev/ubdc 2>&1 | head -1',
      'dd if=/dev/ubdb bs=1 skip=8388608 count=1 2>&1 | head -1',
      'dd if=/dev/urandom of=/dev/ubdb bs=64k count=128 conv=fsync 2>/dev/null',
      'blkdiscard -o 4096 -l 4194304 /dev/ubdb; echo discard $?',
      'dd if=/dev/ubdb bs=4096 skip=1 count=1024 2>/dev/null | tr -d "\\000" | wc -c',
      'dd if=/dev/ubdb bs=4096 skip=1025 count=1 2>/dev/null | tr -d "\\000" | wc -c | sed "s/^4[0-9][0-9][0-9]$/data/"',
      'blkdiscard -o 100 -l 8192 /dev/ubdb 2>&1; echo discard-unaligned $?',
      'blkdiscard -o 4096 -l 8192 /dev/ubdc 2>&1; echo discard-ro $?',
      'blkdiscard -o 4096 -l 8192 /dev/ubdd 2>&1; echo discard-notrim $?',
      'blkdiscard -o 65536 -l 131072 /dev/ubde; dd if=/dev/ubde bs=64k skip=1 count=2 2>/dev/null | tr -d "\\000" | wc -c; sync',
      'mke2fs /dev/ubdb >/dev/null; echo mke2fs $?',
      'mkdir -p /mnt; mount /dev/ubdb /mnt; echo mount $?; grep ubdb /proc/mounts | cut -d" " -f1,2',
      'echo hi > /mnt/f; sync; fstrim /mnt; echo fstrim $?',
      'mke2fs /dev/ubdb 2>&1 >/dev/null; echo mke2fs-mounted $?',
      'umount /mnt',
    ].join('\n'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, [
      'brw-------', '  98       16       8192 ubdb', '16384', '1', '0', '8388608', '512', '4096', '16384', '0', '1', '0 62 10 block special file', 'HELLO',
      '8+0 records out',
      "dd: error writing '/dev/ubdb': No space left on device",
      "dd: error writing '/dev/ubdc': Operation not permitted",
      '0+0 records in',
      'discard 0', '0', 'data',
      'blkdiscard: /dev/ubdb: BLKDISCARD failed: Invalid argument', 'discard-unaligned 1',
      'blkdiscard: /dev/ubdc: BLKDISCARD failed: Operation not permitted', 'discard-ro 1',
      'blkdiscard: /dev/ubdd: BLKDISCARD failed: Operation not supported', 'discard-notrim 1',
      '0',
      'mke2fs 0', 'mount 0', '/dev/ubdb /mnt', 'fstrim 0',
      'mke2fs: can\'t format mounted filesystem', 'mke2fs-mounted 1', '',
    ].join('\n'));
    fsck(d);
    assert.equal(dcat(d, '/f').toString(), 'hi\n');
    // fstrim punched the free blocks out of the host file: it is mostly holes.
    assert.ok(fs.statSync(d).blocks * 512 < 2 << 20, `${fs.statSync(d).blocks * 512} bytes allocated`);
    // The COW discard: merged, the range reads as zeros; the backing file is unchanged.
    assert.equal(fileSha(back), backSum);
    const merged = path.join(dir, 'bdev-merged.img');
    assert.equal(run('uml_moo', [cow, merged]).status, 0);
    const m = fs.readFileSync(merged), b = fs.readFileSync(back);
    assert.ok(m.subarray(65536, 196608).every((x) => x === 0));
    assert.deepEqual(m.subarray(0, 65536), b.subarray(0, 65536));
    assert.deepEqual(m.subarray(196608), b.subarray(196608));
  });

  test('hostfs mounts stay inside hostfs=DIR', () => {
    const h = path.join(dir, 'hf');
    const secret = path.join(dir, 'secret');
    fs.mkdirSync(path.join(h, 'inside', 'sub'), { recursive: true });
    fs.mkdirSync(secret, { recursive: true });
    fs.writeFileSync(path.join(secret, 's'), 'SECRET\n');
    fs.writeFileSync(path.join(h, 'inside', 'sub', 'a'), 'ok\n');
    fs.symlinkSync(secret, path.join(h, 'inside', 'abs'));
    fs.symlinkSync('../../secret', path.join(h, 'inside', 'rel'));
    fs.symlinkSync(secret, path.join(h, 'out'));
    const r = tuml([`ubda=${base}`, 'root=/dev/ubda', 'ro', `hostfs=${h}`], [
      'mount -t tmpfs tmpfs /tmp; mkdir /tmp/h',
      'mount -t hostfs none /tmp/h -o /inside && cat /tmp/h/sub/a',
      'cat /tmp/h/abs/s /tmp/h/rel/s /tmp/h/../s /tmp/h/../../secret/s 2>/dev/null',
      'umount /tmp/h',
      'for p in /.. /../secret ../../secret /out /inside/abs /inside/rel; do mount -t hostfs none /tmp/h -o $p 2>/dev/null && { echo ESCAPED $p; cat /tmp/h/s; umount /tmp/h; }; done',
      'echo end',
    ].join('\n'));
    assert.equal(r.stdout.replace(/ESCAPED \/\.\.\n/, ''), 'ok\nend\n', r.stderr);
    assert.doesNotMatch(r.stdout, /SECRET/);
  });
});
