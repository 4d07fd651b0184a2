// execve's loader: maps an ELF executable (and its PT_INTERP) into a fresh address
// space and builds the initial stack exactly as Linux's create_elf_tables does.
import { AddressSpace, STACK_TOP, Vma, VmBacking } from '../mm/aspace.js';
import { PhysMem, PAGE_SHIFT } from '../mm/phys.js';
import { PTE_R, PTE_X, makePte } from '../mm/pagetable.js';
import { copyOut, zeroOut, writeI64, UserFault } from '../mm/usercopy.js';
import { SIGTRAMP, SIGTRAMP_CODE } from './signal.js';
import { ElfInfo } from './elf.js';
import { ElfStamp, parseElfCached } from './elfcache.js';
import { PROT_READ, PROT_WRITE, PROT_EXEC, MAP_PRIVATE, MAP_ANONYMOUS, MAP_FIXED, MAP_GROWSDOWN } from '../abi/linux/mman.js';
import * as A from '../abi/linux/auxv.js';
import { ENOEXEC, ENOMEM, E2BIG } from '../abi/linux/errno.js';

/** A file opened for execution (fs/ provides it). */
export interface ExecFile {
  pread(buf: Uint8Array, pos: number): number;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly path: string;
  /** The file lies on a nosuid mount (its set-id bits are ignored). */
  readonly nosuid?: boolean;
  /** The file's pages as a mapping sees them (page cache), when the file has one. */
  readonly backing?: VmBacking | null;
  /** The file's inode, keying the parsed-header cache (kernel/elfcache.ts); none: parse afresh. */
  readonly inode?: ElfStamp | null;
}

/** Base for ET_DYN main programs: two thirds of the Sv39 user space, as Linux's ELF_ET_DYN_BASE. */
export const ET_DYN_BASE = 0x2aaaaab000;
/** Where an ELF interpreter is placed when the main program leaves room (mmap area). */
const INTERP_BASE = 0x3ff7000000;
const MAX_ARG_BYTES = 2 * 1024 * 1024;
/** Size of the riscv64 rt_sigframe (siginfo + ucontext with FP state), for AT_MINSIGSTKSZ. */
export const SIGFRAME_SIZE = 1088;

export interface ExecCreds { uid: number; euid: number; gid: number; egid: number; secure: boolean; }

export interface Loaded { mm: AddressSpace; entry: number; sp: number; info: ElfInfo; }

const pageDown = (x: number) => Math.floor(x / 4096) * 4096;
const pageUp = (x: number) => Math.ceil(x / 4096) * 4096;

function protOf(flags: number): number {
  return ((flags & A.PF_R) ? PROT_READ : 0) | ((flags & A.PF_W) ? PROT_WRITE : 0) | ((flags & A.PF_X) ? PROT_EXEC : 0);
}

/** Do two PT_LOAD segments share a page? (Then they are copied, not mapped.) */
function overlapping(info: ElfInfo): boolean {
  let prevEnd = 0;
  for (const s of info.loads) {
    if (pageDown(s.vaddr) < prevEnd) return true;
    prevEnd = pageUp(s.vaddr + s.memsz);
  }
  return false;
}

/**
 * Map the PT_LOAD segments at `bias` from the file's page cache, copy-on-write, as Linux
 * does: text pages are shared by every process running the file (and so is their decoded
 * code); the bss is anonymous memory and the tail of the last file page is zeroed.
 */
function mapSegmentsFromCache(mm: AddressSpace, b: VmBacking, info: ElfInfo, bias: number): number {
  for (const s of info.loads) {
    const prot = protOf(s.flags);
    const start = pageDown(s.vaddr + bias);
    const fileEnd = s.vaddr + bias + s.filesz;
    const memEnd = pageUp(s.vaddr + bias + s.memsz);
    const mapEnd = s.filesz > 0 ? pageUp(fileEnd) : start;
    const needZero = s.filesz > 0 && s.memsz > s.filesz && fileEnd % 4096 !== 0;
    if (mapEnd > start) {
      const r = mm.mmap(start, mapEnd - start, needZero ? prot | PROT_WRITE : prot, MAP_PRIVATE | MAP_FIXED, b,
        pageDown(s.offset) / 4096);
      if (r < 0) return r;
      if (needZero) {
        zeroOut(mm, fileEnd, mapEnd - fileEnd);
        if ((prot & PROT_WRITE) === 0) mm.mprotect(start, mapEnd - start, prot);
      }
    }
    if (memEnd > mapEnd) {
      const r = mm.mmap(mapEnd, memEnd - mapEnd, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, null, 0);
      if (r < 0) return r;
    }
  }
  return 0;
}

/** Map the PT_LOAD segments at `bias`; returns -errno or 0. */
function mapSegments(mm: AddressSpace, f: ExecFile, info: ElfInfo, bias: number): number {
  if (f.backing && !overlapping(info)) return mapSegmentsFromCache(mm, f.backing, info, bias);
  return copySegments(mm, f, info, bias);
}

/** Fallback: copy the segments into anonymous memory. */
function copySegments(mm: AddressSpace, f: ExecFile, info: ElfInfo, bias: number): number {
  let prevEnd = 0, prevProt = 0;
  const chunk = new Uint8Array(65536);
  for (const s of info.loads) {
    let start = pageDown(s.vaddr + bias);
    const end = pageUp(s.vaddr + bias + s.memsz);
    const prot = protOf(s.flags);
    const sharedPage = start < prevEnd;
    if (sharedPage) start = prevEnd;
    if (end > start) {
      const r = mm.mmap(start, end - start, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, null, 0);
      if (r < 0) return r;
    }
    // Copy the file bytes.
    for (let done = 0; done < s.filesz;) {
      const n = Math.min(chunk.length, s.filesz - done);
      const view = chunk.subarray(0, n);
      if (f.pread(view, s.offset + done) !== n) return -ENOEXEC;
      copyOut(mm, s.vaddr + bias + done, view);
      done += n;
    }
    if (end > start) mm.mprotect(start, end - start, prot);
    if (sharedPage) mm.mprotect(start - 4096, 4096, prot | prevProt);
    prevEnd = Math.max(prevEnd, end);
    prevProt = prot;
  }
  return 0;
}

/**
 * The frame holding the sigreturn trampoline, one per machine (it keeps a reference),
 * mapped read-only into every process as Linux maps its vDSO; a write copies it.
 */
const trampolines = new WeakMap<PhysMem, number>();
function trampolineFrame(mem: PhysMem): number {
  let f = trampolines.get(mem);
  if (f === undefined) {
    f = mem.alloc();
    if (f < 0) return -1;
    for (let i = 0; i < SIGTRAMP_CODE.length; i++) mem.i32[(f << (PAGE_SHIFT - 2)) + i] = SIGTRAMP_CODE[i];
    trampolines.set(mem, f);
  }
  return f;
}

/**
 * Load `file` (already parsed as `info`) into a new address space with the given
 * arguments. `openInterp` opens a PT_INTERP path. Returns -errno before the point of no return.
 */
export function loadElf(mem: PhysMem, file: ExecFile, info: ElfInfo, argv: Uint8Array[], envp: Uint8Array[],
  execfn: string, cred: ExecCreds, random: Uint8Array, openInterp: (p: string) => ExecFile | number): Loaded | number {
  let strBytes = execfn.length + 1;
  for (const a of argv) strBytes += a.length + 1;
  for (const e of envp) strBytes += e.length + 1;
  if (strBytes > MAX_ARG_BYTES) return -E2BIG;

  const mm = new AddressSpace(mem);
  try {
    const bias = info.type === A.ET_DYN ? ET_DYN_BASE - pageDown(info.lo) : 0;
    let r = mapSegments(mm, file, info, bias);
    if (r < 0) { mm.destroy(); return r; }
    let entry = info.entry + bias;
    let interpBase = 0;
    if (info.interp !== null) {
      const ifile = openInterp(info.interp);
      if (typeof ifile === 'number') { mm.destroy(); return ifile; }
      const ii = parseElfCached(ifile.inode, (b, p) => ifile.pread(b, p), ifile.size);
      if (ii === null || ii.interp !== null) { mm.destroy(); return -ENOEXEC; }
      const span = pageUp(ii.hi) - pageDown(ii.lo);
      const want = ii.type === A.ET_DYN ? INTERP_BASE : pageDown(ii.lo);
      const base = ii.type === A.ET_DYN ? (mm.isFree(want, want + span) ? want : mm.findFree(span, 0)) : 0;
      if (base < 0) { mm.destroy(); return -ENOMEM; }
      const ibias = ii.type === A.ET_DYN ? base - pageDown(ii.lo) : 0;
      r = mapSegments(mm, ifile, ii, ibias);
      if (r < 0) { mm.destroy(); return r; }
      interpBase = ibias + pageDown(ii.lo);
      entry = ii.entry + ibias;
    }
    // The program break starts right after the main program's highest segment.
    mm.brkStart = mm.brk = pageUp(info.hi + bias);
    mm.startCode = info.loads[0].vaddr + bias;
    mm.endCode = info.hi + bias;

    // Stack VMA: 128 KiB to start with, growing down on demand.
    const stackSize = 128 * 1024;
    // PT_GNU_STACK of the main program decides whether the stack is executable.
    const stackProt = PROT_READ | PROT_WRITE | (info.execStack ? PROT_EXEC : 0);
    mm.vmas.push(new Vma(STACK_TOP - stackSize, STACK_TOP, stackProt, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, null, 0, '[stack]'));
    // The sigreturn trampoline page (Linux/riscv keeps it in the vDSO).
    mm.vmas.push(new Vma(SIGTRAMP, SIGTRAMP + 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, null, 0, '[vdso]'));
    mm.vmas.sort((a, b) => a.start - b.start);
    const tf = trampolineFrame(mem);
    if (tf < 0) { mm.destroy(); return -ENOMEM; }
    mem.get(tf);
    mm.pt.set(SIGTRAMP / 4096, makePte(tf, PTE_R | PTE_X));
    mm.rss++;

    // Strings at the top: argv strings, envp strings, then the exec filename (as Linux).
    let p = STACK_TOP - 8;
    const fnBytes = Buffer.from(execfn, 'latin1');
    p -= fnBytes.length + 1;
    const execfnAddr = p;
    copyOut(mm, p, fnBytes); copyOut(mm, p + fnBytes.length, ZERO1);
    const envAddrs: number[] = [], argAddrs: number[] = [];
    let total = 0;
    for (const e of envp) total += e.length + 1;
    for (const a of argv) total += a.length + 1;
    p -= total;
    let q = p;
    mm.argStart = q;
    for (const a of argv) { argAddrs.push(q); copyOut(mm, q, a); copyOut(mm, q + a.length, ZERO1); q += a.length + 1; }
    mm.argEnd = mm.envStart = q;
    for (const e of envp) { envAddrs.push(q); copyOut(mm, q, e); copyOut(mm, q + e.length, ZERO1); q += e.length + 1; }
    mm.envEnd = q;
    p = Math.floor(p / 16) * 16;
    p -= 16;
    const randAddr = p;
    copyOut(mm, p, random.subarray(0, 16));

    const phdr = info.phdrVaddr >= 0 ? info.phdrVaddr + bias : 0;
    const aux: number[] = [
      A.AT_HWCAP, A.RISCV_HWCAP, A.AT_PAGESZ, 4096, A.AT_CLKTCK, 100,
      A.AT_PHDR, phdr, A.AT_PHENT, 56, A.AT_PHNUM, info.phnum, A.AT_BASE, interpBase,
      A.AT_FLAGS, 0, A.AT_ENTRY, info.entry + bias, A.AT_UID, cred.uid, A.AT_EUID, cred.euid,
      A.AT_GID, cred.gid, A.AT_EGID, cred.egid, A.AT_SECURE, cred.secure ? 1 : 0,
      A.AT_RANDOM, randAddr, A.AT_EXECFN, execfnAddr, A.AT_MINSIGSTKSZ, SIGFRAME_SIZE, A.AT_NULL, 0,
    ];
    const words = 1 + argv.length + 1 + envp.length + 1 + aux.length;
    const sp = Math.floor((p - words * 8) / 16) * 16;
    let w = sp;
    writeI64(mm, w, argv.length); w += 8;
    for (const a of argAddrs) { writeI64(mm, w, a); w += 8; }
    writeI64(mm, w, 0); w += 8;
    for (const e of envAddrs) { writeI64(mm, w, e); w += 8; }
    writeI64(mm, w, 0); w += 8;
    for (const v of aux) { writeI64(mm, w, v); w += 8; }
    mm.startStack = sp;
    return { mm, entry, sp, info };
  } catch (e) {
    mm.destroy();
    if (e instanceof UserFault) return -ENOMEM;
    throw e;
  }
}
const ZERO1 = new Uint8Array(1);
