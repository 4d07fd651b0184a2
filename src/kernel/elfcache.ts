// Parsed ELF headers per executable file, so that execve of a program run before skips
// reading and parsing its headers (a shell loop execs the same few binaries over and
// over). Keyed by the inode object and valid while its size, mtime and ctime are unchanged.
import { parseElf, ElfInfo, PRead } from './elf.js';

/** What identifies a version of a file's contents (an Inode has these fields). */
export interface ElfStamp {
  readonly size: number;
  readonly mtimeSec: number; readonly mtimeNsec: number;
  readonly ctimeSec: number; readonly ctimeNsec: number;
}

interface Entry {
  size: number; mtimeSec: number; mtimeNsec: number; ctimeSec: number; ctimeNsec: number;
  info: ElfInfo;
}

const cache = new WeakMap<ElfStamp, Entry>();

function fresh(e: Entry, s: ElfStamp): boolean {
  return e.size === s.size && e.mtimeSec === s.mtimeSec && e.mtimeNsec === s.mtimeNsec &&
    e.ctimeSec === s.ctimeSec && e.ctimeNsec === s.ctimeNsec;
}

/** The cached parse of the file with this stamp, or null (not cached, or the file changed). */
export function cachedElf(stamp: ElfStamp | null | undefined): ElfInfo | null {
  if (!stamp) return null;
  const e = cache.get(stamp);
  return e !== undefined && fresh(e, stamp) ? e.info : null;
}

/**
 * parseElf, through the cache when the file has a stamp. The result is frozen: every
 * exec of the file shares it.
 */
export function parseElfCached(stamp: ElfStamp | null | undefined, pread: PRead, size: number): ElfInfo | null {
  const hit = cachedElf(stamp);
  if (hit !== null) return hit;
  const info = parseElf(pread, size);
  if (info === null || !stamp) return info;
  for (const s of info.loads) Object.freeze(s);
  Object.freeze(info.loads);
  Object.freeze(info);
  cache.set(stamp, {
    size: stamp.size, mtimeSec: stamp.mtimeSec, mtimeNsec: stamp.mtimeNsec,
    ctimeSec: stamp.ctimeSec, ctimeNsec: stamp.ctimeNsec, info,
  });
  return info;
}
