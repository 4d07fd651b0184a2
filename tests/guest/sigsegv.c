/* Synchronous signals: SIGSEGV on unmapped memory (SEGV_MAPERR) and on a write to
 * read-only memory (SEGV_ACCERR), with si_addr the faulting address; SIGILL
 * (ILL_ILLOPC) and SIGTRAP from ebreak; siglongjmp out of the handler; and the
 * default action (core-dump signal: the harness sees the status). */
#include "common.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

static sigjmp_buf jb; static volatile int sig, code; static void *volatile addr;
static void h(int s, siginfo_t *si, void *uc) { (void)uc; sig = s; code = si->si_code; addr = si->si_addr; siglongjmp(jb, 1); }

int main(void) {
  struct sigaction sa = {0}; sa.sa_sigaction = h; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL); sigaction(SIGILL, &sa, NULL); sigaction(SIGTRAP, &sa, NULL); sigaction(SIGBUS, &sa, NULL);
  char *p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p + 4096, 4096);
  if (!sigsetjmp(jb, 1)) { p[100] = 1; printf("no fault\n"); }
  printf("write to PROT_READ: sig %s code %s addr ok %d\n", sig == SIGSEGV ? "SIGSEGV" : "?", code == SEGV_ACCERR ? "SEGV_ACCERR" : "?", addr == p + 100);
  sig = 0; if (!sigsetjmp(jb, 1)) { volatile char c = p[4096 + 8]; (void)c; printf("no fault\n"); }
  printf("read unmapped: sig %s code %s addr ok %d\n", sig == SIGSEGV ? "SIGSEGV" : "?", code == SEGV_MAPERR ? "SEGV_MAPERR" : "?", addr == p + 4096 + 8);
  sig = 0; if (!sigsetjmp(jb, 1)) { volatile int *np = NULL; (void)*np; }
  printf("NULL read: sig %d code %d addr %p\n", sig, code, addr);
  sig = 0; if (!sigsetjmp(jb, 1)) { __asm__ volatile(".word 0"); }
  printf("illegal: sig %s code %s\n", sig == SIGILL ? "SIGILL" : "?", code == ILL_ILLOPC ? "ILL_ILLOPC" : "?");
  sig = 0; if (!sigsetjmp(jb, 1)) { __asm__ volatile("ebreak"); }
  printf("ebreak: sig %s code %d\n", sig == SIGTRAP ? "SIGTRAP" : "?", code);
  sig = 0; if (!sigsetjmp(jb, 1)) { void (*f)(void) = (void (*)(void))(p + 4096); f(); }
  printf("jump to unmapped: sig %s addr ok %d\n", sig == SIGSEGV ? "SIGSEGV" : "?", addr == p + 4096);
  /* the mask is restored by siglongjmp(…, 1): a second fault is delivered again */
  sig = 0; if (!sigsetjmp(jb, 1)) p[0] = 2; printf("second fault delivered %d\n", sig == SIGSEGV);
  finish();
  signal(SIGSEGV, SIG_DFL); fflush(stdout);
  p[0] = 3;   /* default action: killed by SIGSEGV */
  return 0;
}
