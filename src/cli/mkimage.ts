// tuml-mkimage: make a bootable ext2 disk image for `tuml ubd0=IMAGE root=/dev/ubda`.
//
//   tuml-mkimage IMAGE from=DIR       the folder's contents (owners and modes as on the host)
//   tuml-mkimage IMAGE from=busybox   Debian's busybox-static (riscv64 .deb): busybox, its
//                                     applet links, /etc and an init that mounts proc, sys
//                                     and dev and starts a shell on the console
//   tuml-mkimage IMAGE from=debian    a Debian riscv64 root made by debootstrap
//                                     (scripts/fetch-debian.sh), with a progress display
// Options: size=N[KMG] (default: the contents plus room), blocksize=1024|4096 (1K, 4K),
// force (overwrite IMAGE), deb=FILE (the busybox-static .deb), debian-dir=DIR (where the
// Debian root is built or reused; default build/debian).
// The host tools are mke2fs -d and debugfs (e2fsprogs), dpkg -x, and debootstrap.
// Bad input gets one line on stderr and exit status 2; a failing tool, status 1.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD = path.join(REPO, 'build');
const MiB = 1 << 20;

class UsageError extends Error {}
class ToolError extends Error {}

const USAGE = `usage: tuml-mkimage IMAGE from=DIR|busybox|debian [size=N[K|M|G]] [blocksize=1024|4096] [force]
                    [deb=BUSYBOX_STATIC_DEB] [debian-dir=DIR]
Makes a bootable ext2 image: tuml ubd0=IMAGE root=/dev/ubda
`;

interface Opts {
  image: string; from: string; size: number | null; blockSize: number; force: boolean;
  deb: string | null; debianDir: string | null;
}

/** 64M, 1G, 512K, 1048576 -> bytes. */
export function parseSize(s: string): number | null {
  const m = /^(\d+)([KMGT]?)(i?B)?$/i.exec(s.trim());
  if (!m) return null;
  const mult = { '': 1, K: 1024, M: MiB, G: 1024 * MiB, T: 1024 * 1024 * MiB }[m[2].toUpperCase()]!;
  return Number(m[1]) * mult;
}

export function parseOpts(argv: string[]): Opts | 'help' {
  const o: Opts = { image: '', from: '', size: null, blockSize: 4096, force: false, deb: null, debianDir: null };
  for (const a of argv) {
    if (a === '-h' || a === '--help' || a === 'help') return 'help';
    const eq = a.indexOf('=');
    const key = (eq < 0 ? a : a.slice(0, eq)).replace(/^--/, ''), val = eq < 0 ? null : a.slice(eq + 1);
    if (eq < 0 && !a.startsWith('-') && key !== 'force') {
      if (o.image) throw new UsageError(`one image at a time ('${o.image}' and '${a}')`);
      o.image = a;
      continue;
    }
    switch (key) {
      case 'force': o.force = true; break;
      case 'from': if (!val) throw new UsageError('from= needs a folder, busybox or debian'); o.from = val; break;
      case 'size': {
        const n = val ? parseSize(val) : null;
        if (n === null || n <= 0) throw new UsageError(`bad size '${val ?? ''}' (a number with K, M or G: size=256M)`);
        o.size = n;
        break;
      }
      case 'blocksize': case 'bs': {
        const n = val ? parseSize(val) : null;
        if (n !== 1024 && n !== 2048 && n !== 4096) throw new UsageError(`bad blocksize '${val ?? ''}' (1024 or 4096)`);
        o.blockSize = n;
        break;
      }
      case 'deb': if (!val) throw new UsageError('deb= needs a file'); o.deb = val; break;
      case 'debian-dir': if (!val) throw new UsageError('debian-dir= needs a folder'); o.debianDir = val; break;
      default: throw new UsageError(`unknown option '${a}'`);
    }
  }
  if (!o.image) throw new UsageError('no IMAGE given');
  if (!o.from) throw new UsageError('say what goes in: from=DIR, from=busybox or from=debian');
  return o;
}

const have = (cmd: string): boolean => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;

function need(cmd: string, pkg: string): void {
  if (!have(cmd)) throw new ToolError(`${cmd} is needed (apt-get install ${pkg})`);
}

/** Run a tool; its last stderr line becomes the error. */
function runTool(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * MiB });
  if (r.error) throw new ToolError(`${what}: ${r.error.message}`);
  if (r.status !== 0) {
    const last = (r.stderr || r.stdout).trim().split('\n').filter(Boolean).slice(-1)[0] ?? `status ${r.status}`;
    throw new ToolError(`${what}: ${last}`);
  }
  return r.stdout;
}

// ---- progress -----------------------------------------------------------------------
// On a terminal one status line is rewritten in place; otherwise each new phase (and
// every 25th step of one) gets a line of its own, so logs stay short.
const tty = process.stderr.isTTY === true;
let lastPhase = '', stepCount = 0, lineOpen = false;
function progress(phase: string, detail = ''): void {
  if (tty) {
    const cols = process.stderr.columns || 80;
    process.stderr.write(`\r\x1b[K${`tuml-mkimage: ${phase}${detail ? ': ' + detail : ''}`.slice(0, cols - 1)}`);
    lineOpen = true;
    return;
  }
  if (phase !== lastPhase) { stepCount = 0; lastPhase = phase; } else if (++stepCount % 25 !== 0) return;
  process.stderr.write(`tuml-mkimage: ${phase}${detail ? ': ' + detail : ''}\n`);
}
function say(msg: string): void {
  if (lineOpen) { process.stderr.write('\r\x1b[K'); lineOpen = false; }
  process.stderr.write(`tuml-mkimage: ${msg}\n`);
}

// ---- sources ------------------------------------------------------------------------

/** Bytes and inodes the tree needs at a block size (data blocks, directories, symlinks). */
function measure(dir: string, bs: number): { bytes: number; inodes: number } {
  let bytes = 0, inodes = 0;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      inodes++;
      const st = fs.lstatSync(p);
      if (st.isDirectory()) { bytes += bs; walk(p); }
      else if (st.isFile()) {
        const blocks = Math.ceil(st.size / bs);
        // Indirect blocks: one per bs/4 data blocks past the first 12.
        bytes += (blocks + Math.ceil(Math.max(0, blocks - 12) / (bs / 4))) * bs;
      } else if (st.isSymbolicLink() && st.size >= 60) bytes += bs;
    }
  };
  walk(dir);
  return { bytes, inodes };
}

/** `busybox --list-full` of the riscv64 busybox in root, run by tuml itself (hostfs root). */
function listApplets(root: string): string[] {
  const tuml = path.join(REPO, 'dist', 'cli', 'tuml.js');
  const r = spawnSync(process.execPath, [tuml, 'quiet', 'rootfstype=hostfs', `hostfs=${root}`, '--', '/bin/busybox', '--list-full'],
    { encoding: 'utf8', timeout: 120_000, input: '' });
  const list = (r.stdout ?? '').split('\n').map((l) => l.trim()).filter((l) => /^[a-z0-9/._[-]+$/.test(l) && !l.startsWith('/') && !l.includes('..'));
  if (r.status !== 0 || list.length < 10) throw new ToolError(`busybox --list-full under tuml failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-1)[0]}`);
  return list;
}

/** The busybox-static riscv64 .deb: deb=, else the one scripts/fetch-guest.sh fetched. */
function busyboxDeb(o: Opts): string {
  if (o.deb) {
    if (!fs.existsSync(o.deb)) throw new UsageError(`deb=${o.deb}: No such file or directory`);
    return o.deb;
  }
  const dir = path.join(BUILD, 'apt', 'debs');
  const debs = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^busybox-static_.*_riscv64\.deb$/.test(f)).sort() : [];
  if (debs.length === 0) throw new ToolError(`no busybox-static riscv64 .deb in ${dir} (run: bash scripts/fetch-guest.sh, or give deb=FILE)`);
  return path.join(dir, debs[debs.length - 1]);
}

/** Lay out a busybox root in stage/: busybox, applet links, scripts/initramfs/etc, an init. */
function stageBusybox(o: Opts, stage: string): void {
  need('dpkg', 'dpkg');
  const deb = busyboxDeb(o);
  progress('busybox', `unpacking ${path.basename(deb)}`);
  const x = path.join(stage, '.deb');
  runTool('dpkg', ['-x', deb, x], `dpkg -x ${deb}`);
  const bb = ['usr/bin/busybox', 'bin/busybox'].map((p) => path.join(x, p)).find((p) => fs.existsSync(p));
  if (!bb) throw new ToolError(`${deb} holds no busybox binary`);
  const root = path.join(stage, 'root');
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'tmp', 'root', 'etc', 'mnt', 'run', 'var/log', 'var/tmp', 'home']) {
    fs.mkdirSync(path.join(root, d), { recursive: true });
  }
  fs.symlinkSync('../run', path.join(root, 'var', 'run'));
  fs.chmodSync(path.join(root, 'tmp'), 0o1777); fs.chmodSync(path.join(root, 'var', 'tmp'), 0o1777);
  fs.chmodSync(path.join(root, 'root'), 0o700);
  fs.copyFileSync(bb, path.join(root, 'bin', 'busybox'));
  fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
  fs.rmSync(x, { recursive: true, force: true });
  // The applet list comes from busybox itself, run by tuml on the staged root.
  progress('busybox', 'listing applets (busybox --list-full under tuml)');
  const applets = listApplets(root);
  for (const a of applets) {
    if (a === 'bin/busybox') continue;
    const dst = path.join(root, a);
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.rmSync(dst, { force: true });
    fs.symlinkSync(path.relative(path.dirname('/' + a), '/bin/busybox'), dst);
  }
  // /etc of tuml's default initramfs (passwd, group, profile, inittab, init.d/rcS ...):
  // busybox init runs rcS first (proc, sys, dev), then a shell on the console.
  fs.cpSync(path.join(REPO, 'scripts', 'initramfs', 'etc'), path.join(root, 'etc'), { recursive: true });
  const inittab = path.join(root, 'etc', 'inittab');
  fs.writeFileSync(inittab, '# tuml-mkimage: mount proc, sys and dev before anything else\n::sysinit:/etc/init.d/rcS\n' + fs.readFileSync(inittab, 'utf8'));
  fs.chmodSync(path.join(root, 'etc', 'init.d', 'rcS'), 0o755);
  if (fs.existsSync(path.join(root, 'etc', 'shadow'))) fs.chmodSync(path.join(root, 'etc', 'shadow'), 0o600);
  say(`busybox root: ${applets.length} applets from ${path.basename(deb)}`);
}

/** scripts/fetch-debian.sh into dir (reused when it is already there), showing its progress. */
async function fetchDebian(dir: string): Promise<void> {
  const script = path.join(REPO, 'scripts', 'fetch-debian.sh');
  const child = spawn('bash', [script, dir], { env: { ...process.env, TUML_PROGRESS: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let retrieved = 0, extracted = 0, tail = '';
  const lines: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    tail += chunk;
    let nl;
    while ((nl = tail.indexOf('\n')) >= 0) {
      const line = tail.slice(0, nl); tail = tail.slice(nl + 1);
      lines.push(line); if (lines.length > 20) lines.shift();
      let m;
      if ((m = /^debootstrap: Retrieving (\S+)/.exec(line))) progress('debootstrap: downloading', `${++retrieved} packages, ${m[1]}`);
      else if ((m = /^debootstrap: Extracting (\S+)/.exec(line))) progress('debootstrap: extracting', `${++extracted} packages, ${m[1]}`);
      else if (/^debootstrap: Validating /.test(line)) continue;
      else if ((m = /^debootstrap: (.*)/.exec(line))) progress('debootstrap', m[1]);
      else if ((m = /^fetch-debian: unpacking (\d+)\/(\d+) (\S+)/.exec(line))) progress('unpacking extra packages', `${m[1]}/${m[2]} ${m[3]}`);
      else if ((m = /^fetch-debian: error: (.*)/.exec(line))) say(`fetch-debian: ${m[1]}`);
      else if ((m = /^fetch-debian: (.*)/.exec(line))) say(m[1]);
    }
  });
  const status = await new Promise<number>((res) => child.on('exit', (c) => res(c ?? 1)));
  if (status !== 0) throw new ToolError(`scripts/fetch-debian.sh failed (status ${status})`);
}

/** An /sbin/init for a Debian root without one: rcS's mounts, then a login shell. */
const DEBIAN_INIT = `#!/bin/sh
# tuml-mkimage: init of a debootstrap root without an init system: mount the kernel's
# file systems, then a login shell on the console; poweroff when it ends.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=\${TERM:-vt100}
mount -t proc proc /proc
grep -q '^[^ ]* / [^ ]* ro[, ]' /proc/mounts && mount -o remount,rw /
mount -t sysfs sysfs /sys
grep -q '^[^ ]* /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
cd /root 2>/dev/null || cd /
/bin/bash -l || /bin/sh -l
sync
# minbase has no poweroff (systemd-sysv brings it); tuml ends when init exits.
command -v poweroff >/dev/null && exec poweroff -f
exit 0
`;

// ---- the image ----------------------------------------------------------------------

function writeImage(o: Opts, src: string, extra: { path: string; text: string; mode: number }[]): void {
  need('mke2fs', 'e2fsprogs');
  const bs = o.blockSize;
  const m = measure(src, bs);
  for (const e of extra) { m.bytes += bs; m.inodes++; void e; }
  // Room for metadata (inode tables at 256 bytes an inode, bitmaps, reserved blocks)
  // and for use: a quarter more than the contents and 16 MiB.
  const inodes = Math.max(1024, Math.ceil(m.inodes * 1.25) + 256);
  const need_ = m.bytes + inodes * 256 + Math.ceil(m.bytes * 0.06) + 2 * MiB;
  const size = o.size ?? Math.ceil((need_ * 1.25 + 16 * MiB) / MiB) * MiB;
  if (size < need_) {
    throw new UsageError(`size=${o.size} is too small for ${src} (${(m.bytes / MiB).toFixed(1)} MiB in ${m.inodes} files): give at least size=${Math.ceil(need_ / MiB)}M`);
  }
  if (size % bs !== 0) throw new UsageError(`size=${size} is not a multiple of the block size ${bs}`);
  const tmp = `${o.image}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, '');
    fs.truncateSync(tmp, size);
    // Default inode ratio unless the tree needs more inodes than it gives.
    const ratio = size <= 512 * MiB ? 4096 : 16384;
    const nopt = size / ratio < inodes ? ['-N', String(inodes)] : [];
    progress('mke2fs', `${(size / MiB).toFixed(0)} MiB ext2, ${bs}-byte blocks, from ${src}`);
    runTool('mke2fs', ['-q', '-F', '-t', 'ext2', '-b', String(bs), ...nopt, '-d', src, tmp], 'mke2fs');
    if (extra.length) {
      need('debugfs', 'e2fsprogs');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-mkimage-x-'));
      try {
        const cmds: string[] = [];
        extra.forEach((e, i) => {
          const f = path.join(dir, String(i));
          fs.writeFileSync(f, e.text);
          cmds.push(`write ${f} ${e.path}`, `set_inode_field ${e.path} mode 0${(0o100000 | e.mode).toString(8)}`,
            `set_inode_field ${e.path} uid 0`, `set_inode_field ${e.path} gid 0`);
        });
        fs.writeFileSync(path.join(dir, 'cmds'), cmds.join('\n') + '\n');
        runTool('debugfs', ['-w', '-f', path.join(dir, 'cmds'), tmp], 'debugfs');
      } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    }
    const ck = spawnSync('e2fsck', ['-fn', tmp], { encoding: 'utf8' });
    if (ck.status !== 0 && ck.status !== null) throw new ToolError(`e2fsck found problems in the new image:\n${ck.stdout.trim().split('\n').slice(-3).join('\n')}`);
    fs.renameSync(tmp, o.image);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  say(`${o.image}: ${(size / MiB).toFixed(0)} MiB ext2 (${bs}-byte blocks), ${m.inodes} files, ${(m.bytes / MiB).toFixed(1)} MiB used`);
  say(`boot it: tuml ubd0=${o.image} root=/dev/ubda   (or ubd0=IMAGE.cow,${o.image} to keep it unchanged)`);
}

async function main(argv: string[]): Promise<void> {
  const o = parseOpts(argv);
  if (o === 'help') { process.stdout.write(USAGE); return; }
  if (fs.existsSync(o.image) && !o.force) throw new UsageError(`${o.image} exists (give force to overwrite it)`);
  const dirOfImage = path.dirname(path.resolve(o.image));
  if (!fs.existsSync(dirOfImage)) throw new UsageError(`${dirOfImage}: No such file or directory`);
  if (o.from === 'busybox') {
    const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-mkimage-'));
    try {
      stageBusybox(o, stage);
      writeImage(o, path.join(stage, 'root'), []);
    } finally { fs.rmSync(stage, { recursive: true, force: true }); }
    return;
  }
  if (o.from === 'debian') {
    const dir = path.resolve(o.debianDir ?? path.join(BUILD, 'debian'));
    await fetchDebian(dir);
    const hasInit = ['sbin/init', 'usr/sbin/init'].some((p) => { try { fs.statSync(path.join(dir, p)); return true; } catch { return false; } });
    // merged /usr: /sbin is a link to usr/sbin, which debugfs does not follow.
    const initPath = fs.lstatSync(path.join(dir, 'sbin')).isSymbolicLink() ? '/usr/sbin/init' : '/sbin/init';
    writeImage(o, dir, hasInit ? [] : [{ path: initPath, text: DEBIAN_INIT, mode: 0o755 }]);
    return;
  }
  let st: fs.Stats;
  try { st = fs.statSync(o.from); } catch { throw new UsageError(`from=${o.from}: No such file or directory (a folder, busybox or debian)`); }
  if (!st.isDirectory()) throw new UsageError(`from=${o.from}: Not a directory`);
  writeImage(o, path.resolve(o.from), []);
}

main(process.argv.slice(2)).catch((e) => {
  if (lineOpen) process.stderr.write('\n');
  if (e instanceof UsageError) { process.stderr.write(`tuml-mkimage: ${e.message}\n${e.message.startsWith('unknown') || e.message.startsWith('no IMAGE') || e.message.startsWith('say what') ? USAGE : ''}`); process.exit(2); }
  if (e instanceof ToolError) { process.stderr.write(`tuml-mkimage: ${e.message}\n`); process.exit(1); }
  const err = e as NodeJS.ErrnoException;
  process.stderr.write(`tuml-mkimage: ${err.code ? `${err.path ?? ''}: ${err.code}` : err.message}\n`);
  process.exit(1);
});
