// The storage rows of `npm run bench`: sequential write (dd bs=1M conv=fsync) and
// sequential read (cold: unmounted, BLKFLSBUF, drop_caches, remounted) of one file of
// BENCH_STORAGE_MB MiB (default 256; 64 with BENCH_QUICK) through ext2 on a ubd
// device, under tuml and under real UML in the same run. Each machine gets its own copy
// of the same kind of image: made by bin/tuml-mkimage from an empty folder (ext2,
// 4 KiB blocks, the file size + 64 MiB), given as ubd0=; the root is each one's hostfs
// busybox root, as in the other rows. The guest times itself from /proc/uptime
// (centiseconds), so boot and power-off are not counted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { GUEST_ROOT, REPO, TUML, TUML_NODE_FLAGS, UML, umlArgs, umlScript } from './peers.mjs';
import { median, timed } from './run.mjs';

/** The guest script: prints `write_cs=N read_cs=M`. */
function script(mb) {
  return [
    'cs() { read u _ < /proc/uptime; echo $(( ${u%.*} * 100 + 1${u#*.} - 100 )); }',
    'mount -t proc proc /proc 2>/dev/null',
    'mount -t ext2 /dev/ubda /tmp || exit 1',
    't0=$(cs)',
    `dd if=/dev/zero of=/tmp/f bs=1M count=${mb} conv=fsync 2>/dev/null || exit 1`,
    't1=$(cs)',
    'umount /tmp; blockdev --flushbufs /dev/ubda; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null',
    'mount -t ext2 /dev/ubda /tmp || exit 1',
    't2=$(cs)',
    'dd if=/tmp/f of=/dev/null bs=1M 2>/dev/null || exit 1',
    't3=$(cs)',
    'echo "write_cs=$((t1-t0)) read_cs=$((t3-t2))"',
    'rm /tmp/f; umount /tmp',
  ].join('\n');
}

function parse(r) {
  if (r.error || r.status !== 0) throw new Error(r.error?.message ?? `status ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0]}`);
  const m = /write_cs=(\d+) read_cs=(\d+)/.exec(r.stdout);
  if (!m) throw new Error(`no timing in output: ${(r.stdout + r.stderr).trim().slice(-80)}`);
  return { write: Number(m[1]) * 10, read: Number(m[2]) * 10 };   // ms
}

/**
 * Adds the storage rows. ctx: { row, sample, progress, why, runs, quick } from
 * bench/run.mjs (row(work, peer, t, p, unit, target), sample(label, runs, fn)).
 */
export function storageRows({ row, sample, progress, why, runs, quick }) {
  const mb = Number(process.env.BENCH_STORAGE_MB || (quick ? 64 : 256));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-bench-storage-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  const image = (name) => {
    const img = path.join(tmp, name);
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'tuml-mkimage'), img, `from=${empty}`, `size=${mb + 64}M`, 'blocksize=4096'],
      { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tuml-mkimage: ${r.stderr.trim().split('\n').slice(-1)[0]}`);
    return img;
  };
  const pair = (label, fn) => {
    const res = [];
    const m = sample(label, runs, () => { const x = fn(); res.push(x); return x.write; });
    if (m.fail) return { write: m, read: m };
    return { write: m, read: { v: median(res.map((x) => x.read)), xs: res.map((x) => x.read) } };
  };
  const na = (reason) => ({ write: { na: reason }, read: { na: reason } });
  const body = script(mb);
  let tuml, uml;
  try {
    progress(`storage: making two ${mb + 64} MiB images with tuml-mkimage`);
    tuml = why.tuml ? na(why.tuml) : pair(`storage tuml (${mb} MiB)`, () => {
      const img = image('tuml.img');
      try {
        return parse(timed(process.execPath, [...TUML_NODE_FLAGS, TUML, 'quiet', 'rootfstype=hostfs', `hostfs=${GUEST_ROOT}`, `ubd0=${img}`,
          '--', '/bin/sh', '-c', body], { cwd: REPO, timeout: 900000 }));
      } finally { fs.rmSync(img, { force: true }); }
    });
    uml = why.uml ? na(why.uml) : pair(`storage UML (${mb} MiB)`, () => {
      const img = image('uml.img');
      try {
        // stdin from /dev/null: with an empty pipe (EOF) on con0, UML's console output of
        // a job lasting seconds vanished.
        return parse(timed(UML, [...umlArgs(umlScript('storage', body)), `ubd0=${img}`],
          { cwd: REPO, timeout: 900000, input: undefined, stdio: ['ignore', 'pipe', 'pipe'] }));
      } finally { fs.rmSync(img, { force: true }); }
    });
  } catch (e) {
    const f = { fail: String(e.message).slice(0, 90) };
    tuml ??= { write: f, read: f }; uml ??= { write: f, read: f };
  }
  row(`sequential write ${mb} MiB + fsync, ext2 on ubd (dd bs=1M)`, 'UML', tuml.write, uml.write, 'time');
  row(`sequential read ${mb} MiB, ext2 on ubd, cold cache`, 'UML', tuml.read, uml.read, 'time');
}
