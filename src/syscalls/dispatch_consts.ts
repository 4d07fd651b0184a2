// Special handler results besides values and -errno (BLOCK lives in lib/waitqueue).
/** The handler has set up registers itself (execve, exit, rt_sigreturn): leave a0 and pc alone. */
export const NORETURN = -0x40000001;
