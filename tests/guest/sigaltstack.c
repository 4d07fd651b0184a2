/* sigaltstack: handlers with SA_ONSTACK run on the alternate stack, which reports
 * SS_ONSTACK while in use; a stack overflow is survivable only this way. */
#include "common.h"
#include <signal.h>

static char *alt; static size_t altsz = 65536;
static volatile int on_alt, flags_inside;
static void h(int s) { (void)s; char here; on_alt = &here >= alt && &here < alt + altsz;
  stack_t cur; sigaltstack(NULL, &cur); flags_inside = cur.ss_flags; }

int main(void) {
  alt = malloc(altsz);
  stack_t ss = {.ss_sp = alt, .ss_size = altsz, .ss_flags = 0}, old;
  CHECK_OK(sigaltstack(&ss, &old)); printf("old disabled %d\n", (old.ss_flags & SS_DISABLE) != 0);
  struct sigaction sa = {0}; sa.sa_handler = h; sa.sa_flags = SA_ONSTACK; sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1); printf("on alt stack %d, SS_ONSTACK inside %d\n", on_alt, (flags_inside & SS_ONSTACK) != 0);
  sa.sa_flags = 0; sigaction(SIGUSR1, &sa, NULL); raise(SIGUSR1); printf("without SA_ONSTACK on alt %d\n", on_alt);
  stack_t small = {.ss_sp = alt, .ss_size = 100, .ss_flags = 0}; CHECK_ERR(sigaltstack(&small, NULL), ENOMEM);
  stack_t bad = {.ss_sp = alt, .ss_size = altsz, .ss_flags = 12345}; CHECK_ERR(sigaltstack(&bad, NULL), EINVAL);
  stack_t dis = {.ss_flags = SS_DISABLE}; CHECK_OK(sigaltstack(&dis, NULL));
  sigaltstack(NULL, &old); printf("disabled now %d\n", (old.ss_flags & SS_DISABLE) != 0);
  return finish();
}
