// ELF64 riscv executable parsing: validates the header and program headers and
// returns a plain description. Anything malformed is ENOEXEC, never an exception.
import { EM_RISCV, ET_EXEC, ET_DYN, PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK } from '../abi/linux/auxv.js';

export interface Segment { vaddr: number; offset: number; filesz: number; memsz: number; flags: number; }
export interface ElfInfo {
  type: number; entry: number; phoff: number; phnum: number; phentsize: number;
  loads: Segment[]; interp: string | null; phdrVaddr: number; execStack: boolean;
  /** Lowest and highest virtual address covered by PT_LOAD segments. */
  lo: number; hi: number;
}

/** Reads bytes at a file offset; returns the number read. */
export type PRead = (buf: Uint8Array, pos: number) => number;

function u64(dv: DataView, o: number): number { return dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true); }

/** Parse; returns null when the file is not a valid riscv64 ELF executable. */
export function parseElf(pread: PRead, size: number): ElfInfo | null {
  const h = new Uint8Array(64);
  if (size < 64 || pread(h, 0) < 64) return null;
  if (h[0] !== 0x7f || h[1] !== 0x45 || h[2] !== 0x4c || h[3] !== 0x46) return null;
  if (h[4] !== 2 || h[5] !== 1 || h[6] !== 1) return null; // ELFCLASS64, little-endian, version 1
  const dv = new DataView(h.buffer);
  const type = dv.getUint16(16, true), machine = dv.getUint16(18, true);
  if (machine !== EM_RISCV || (type !== ET_EXEC && type !== ET_DYN)) return null;
  const entry = u64(dv, 24), phoff = u64(dv, 32);
  const phentsize = dv.getUint16(54, true), phnum = dv.getUint16(56, true);
  if (phentsize !== 56 || phnum === 0 || phnum > 128 || phoff + phnum * 56 > size) return null;
  const ph = new Uint8Array(phnum * 56);
  if (pread(ph, phoff) !== ph.length) return null;
  const pv = new DataView(ph.buffer);
  const info: ElfInfo = { type, entry, phoff, phnum, phentsize, loads: [], interp: null, phdrVaddr: -1,
    execStack: false, lo: Infinity, hi: 0 };
  for (let i = 0; i < phnum; i++) {
    const o = i * 56;
    const pt = pv.getUint32(o, true), flags = pv.getUint32(o + 4, true);
    const offset = u64(pv, o + 8), vaddr = u64(pv, o + 16);
    const filesz = u64(pv, o + 32), memsz = u64(pv, o + 40);
    if (pt === PT_LOAD) {
      if (filesz > memsz || offset + filesz > size || vaddr + memsz > 0x4000000000 || (vaddr - offset) % 4096 !== 0) return null;
      if (memsz === 0) continue;
      info.loads.push({ vaddr, offset, filesz, memsz, flags });
      info.lo = Math.min(info.lo, vaddr);
      info.hi = Math.max(info.hi, vaddr + memsz);
    } else if (pt === PT_INTERP) {
      if (filesz < 2 || filesz > 4096 || offset + filesz > size) return null;
      const b = new Uint8Array(filesz);
      if (pread(b, offset) !== filesz) return null;
      const end = b.indexOf(0);
      info.interp = Buffer.from(b.subarray(0, end < 0 ? filesz : end)).toString('latin1');
    } else if (pt === PT_PHDR) {
      info.phdrVaddr = vaddr;
    } else if (pt === PT_GNU_STACK) {
      info.execStack = (flags & 1) !== 0;
    }
  }
  if (info.loads.length === 0) return null;
  if (info.phdrVaddr < 0) {
    for (const s of info.loads) {
      if (phoff >= s.offset && phoff + phnum * 56 <= s.offset + s.filesz) info.phdrVaddr = s.vaddr + (phoff - s.offset);
    }
  }
  return info;
}
