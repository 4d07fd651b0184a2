// ubd: UML's block devices over host files. `ubd<n>[flags]=file[,backing]`, n is 0-7
// or a-z; the device is /dev/ubd<letter> (block major 98, minor n*16).
//   r  read-only              s  every write is synced to the host
//   d  data only: never look for a COW header in the file
//   c  shared: take no host lock          t  no TRIM (discard requests get EOPNOTSUPP)
// With a backing file the first file is a COW file (created sparse when missing); the
// backing file is opened read-only and never written.
//
// Host lock. Node has no flock(2)/fcntl(2) locking and a native add-on (fs-ext) needs a
// compiler at install time, so a device opened read-write takes a lock file beside its
// image: FILE.lock, created with O_EXCL and holding "tuml PID". A lock whose process no
// longer exists (kill -9) is stale and taken over. It is removed at exit.
import * as fs from 'node:fs';
import { BlockDevice, BlockBackend, flushAllForExit } from './blkdev.js';
import { CowBackend, FileBackend, createCowFile, readCowHeader, CowHeader } from './cow.js';

export const UBD_MAJOR = 98;

export interface UbdSpec {
  index: number;
  readonly: boolean;
  sync: boolean;
  noCow: boolean;
  shared: boolean;
  noTrim: boolean;
  file: string;
  backing: string | null;
}

/** Parse `ubd<n>[flags]` (the key) and `file[,backing]` (the value); null if key is not ubd. */
export function parseUbdOption(key: string, value: string | null): UbdSpec | string | null {
  const m = /^ubd([0-7]|[a-z])([rsdct]*)$/.exec(key);
  if (!m) return key.startsWith('ubd') ? `invalid ubd device '${key}' (ubd0-ubd7 or ubda-ubdz, flags r, s, d, c, t)` : null;
  if (!value) return `option '${key}' needs a file (${key}=file[,backing])`;
  const c = m[1];
  const index = c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 97;
  const f = m[2];
  const comma = value.indexOf(',');
  return {
    index, readonly: f.includes('r'), sync: f.includes('s'), noCow: f.includes('d'),
    shared: f.includes('c'), noTrim: f.includes('t'),
    file: comma < 0 ? value : value.slice(0, comma),
    backing: comma < 0 ? null : value.slice(comma + 1) || null,
  };
}

export const ubdName = (index: number): string => 'ubd' + String.fromCharCode(97 + index);

export class UbdError extends Error {}

export class UbdDevice {
  readonly name: string;
  readonly minor: number;
  constructor(readonly spec: UbdSpec, readonly blk: BlockDevice, private readonly lockPath: string | null) {
    this.name = ubdName(spec.index);
    this.minor = spec.index * 16;
  }
  get readonly(): boolean { return this.blk.readonly; }
  close(): void {
    this.blk.close();
    releaseLock(this.lockPath);
    devices.delete(this.spec.index);
  }
}

const devices = new Map<number, UbdDevice>();

export function ubdDevices(): UbdDevice[] { return [...devices.values()].sort((a, b) => a.spec.index - b.spec.index); }
export function ubdByMinor(minor: number): UbdDevice | null {
  if (minor % 16 !== 0) return null;
  return devices.get(minor / 16) ?? null;
}
export function ubdByName(name: string): UbdDevice | null {
  const m = /^(?:\/dev\/)?ubd([0-7]|[a-z])$/.exec(name);
  if (!m) return null;
  const c = m[1];
  return devices.get(c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 97) ?? null;
}

// ---- host locks ---------------------------------------------------------------------

const held = new Set<string>();
let exitHook = false;

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Take the lock for file; the lock path, or a UbdError. */
function takeLock(file: string, devName: string): string | null {
  const lp = file + '.lock';
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
      fs.writeSync(fd, `tuml ${process.pid}\n`);
      fs.closeSync(fd);
      held.add(lp);
      if (!exitHook) {
        exitHook = true;
        process.once('exit', () => {
          // Flush (filesystems first, then devices) before the locks go.
          flushAllForExit();
          for (const l of held) { try { fs.unlinkSync(l); } catch { /* gone */ } }
        });
      }
      return lp;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return null; // cannot lock here: go unlocked
      if (code !== 'EEXIST') throw new UbdError(`${devName}: cannot lock ${file}: ${(e as Error).message}`);
      let owner = 0;
      try { owner = Number(/^tuml (\d+)/.exec(fs.readFileSync(lp, 'utf8'))?.[1] ?? 0); } catch { /* vanished */ }
      if (owner !== 0 && owner !== process.pid && pidAlive(owner)) {
        throw new UbdError(`${devName}: ${file} is in use by another machine (tuml pid ${owner} holds ${lp}); ` +
          `use the 'c' flag to share it without a lock, or 'r' to open it read-only`);
      }
      if (owner === process.pid && held.has(lp)) throw new UbdError(`${devName}: ${file} is already open read-write in this machine`);
      try { fs.unlinkSync(lp); } catch { /* raced */ }
    }
  }
  throw new UbdError(`${devName}: cannot lock ${file}`);
}

function releaseLock(lp: string | null): void {
  if (lp === null || !held.has(lp)) return;
  held.delete(lp);
  try { fs.unlinkSync(lp); } catch { /* gone */ }
}

// ---- opening ------------------------------------------------------------------------

function errText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied'
    : code === 'EISDIR' ? 'Is a directory' : (e as Error).message;
}

/** UML's backing_file_mismatch(): size and mtime must still be what the COW header says. */
function checkBacking(dev: string, cow: string, backing: string, h: CowHeader, st: fs.Stats): void {
  const mtime = Math.floor(st.mtimeMs / 1000);
  if (st.size !== h.size) {
    throw new UbdError(`${dev}: Size mismatch (${h.size} vs ${st.size}) of COW header vs backing file\n` +
      `  ${cow} was made over ${backing} when it had ${h.size} bytes; the backing file changed since, ` +
      `so the COW file no longer describes it. Refusing to use it.`);
  }
  if (h.version >= 2 && mtime >>> 0 !== h.mtime >>> 0) {
    throw new UbdError(`${dev}: mtime mismatch (${h.mtime} vs ${mtime}) of COW header vs backing file\n` +
      `  ${backing} was modified after the COW file ${cow} was made over it; the sectors the COW file ` +
      `does not hold may now differ. Refusing to use it (restore the backing file, or merge with uml_moo).`);
  }
}

/** Open the device a spec describes and register it; throws UbdError with a clear message. */
export function openUbd(spec: UbdSpec): UbdDevice {
  const name = ubdName(spec.index);
  if (devices.has(spec.index)) throw new UbdError(`${name}: defined twice`);
  const ro = spec.readonly;
  let lock: string | null = null;
  let backend: BlockBackend;
  const cowPath = spec.file;
  try {
    if (spec.backing !== null) {
      if (!fs.existsSync(cowPath)) {
        if (ro) throw new UbdError(`${name}: COW file ${cowPath} does not exist and the device is read-only`);
        try { createCowFile(cowPath, spec.backing); } catch (e) {
          throw new UbdError(`${name}: cannot create COW file ${cowPath} over ${spec.backing}: ${errText(e)}`);
        }
      }
    }
    if (!ro && !spec.shared) lock = takeLock(cowPath, name);
    let fd: number;
    try { fd = fs.openSync(cowPath, ro ? 'r' : 'r+'); } catch (e) {
      throw new UbdError(`${name}: cannot open ${cowPath}: ${errText(e)}`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) throw new UbdError(`${name}: ${cowPath}: Is a directory`);
      const h = spec.noCow ? null : readCowHeader(fd);
      if (h === null && spec.backing !== null) {
        throw new UbdError(`${name}: ${cowPath} is not a COW file (no UML COW header), but a backing file was given`);
      }
      if (h !== null) {
        const backingPath = spec.backing ?? h.backing;
        let bfd: number;
        try { bfd = fs.openSync(backingPath, 'r'); } catch (e) {
          throw new UbdError(`${name}: backing file ${backingPath} of COW file ${cowPath}: ${errText(e)}`);
        }
        try {
          checkBacking(name, cowPath, backingPath, h, fs.fstatSync(bfd));
          if (h.sectorSize !== 512) throw new UbdError(`${name}: ${cowPath}: unsupported COW sector size ${h.sectorSize}`);
          backend = new CowBackend(fd, bfd, h, ro);
        } catch (e) { fs.closeSync(bfd); throw e; }
      } else {
        if (st.size < 512) throw new UbdError(`${name}: ${cowPath} is too small to be a disk image (${st.size} bytes)`);
        backend = new FileBackend(fd, Math.floor(st.size / 512) * 512, ro);
      }
    } catch (e) { fs.closeSync(fd); throw e; }
  } catch (e) {
    releaseLock(lock);
    if (e instanceof UbdError) throw e;
    throw new UbdError(`${name}: ${errText(e)}`);
  }
  const blk = new BlockDevice(name, backend!, spec.sync);
  blk.noTrim = spec.noTrim;
  const d = new UbdDevice(spec, blk, lock);
  devices.set(spec.index, d);
  return d;
}

/** Close every device (tests; a machine reboot). */
export function closeAllUbd(): void { for (const d of [...devices.values()]) d.close(); }
