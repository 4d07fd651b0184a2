// ELF auxiliary vector keys (linux/auxvec.h, asm/auxvec.h) and ELF constants.
export const AT_NULL = 0, AT_IGNORE = 1, AT_EXECFD = 2, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5,
  AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_NOTELF = 10, AT_UID = 11, AT_EUID = 12,
  AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23,
  AT_BASE_PLATFORM = 24, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO_EHDR = 33,
  AT_MINSIGSTKSZ = 51;

export const EM_RISCV = 243;
export const ET_EXEC = 2, ET_DYN = 3;
export const PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6,
  PT_TLS = 7, PT_GNU_STACK = 0x6474e551, PT_GNU_RELRO = 0x6474e552;
export const PF_X = 1, PF_W = 2, PF_R = 4;

/** AT_HWCAP for RV64GC: one bit per single-letter extension (I M A F D C). */
export const RISCV_HWCAP = (1 << 8) | (1 << 12) | (1 << 0) | (1 << 5) | (1 << 3) | (1 << 2);
