/* Credentials: set*uid/set*gid transitions with Linux's rules for root and
 * non-root (real, effective, saved ids), setfsuid/setfsgid, setgroups and
 * getgroups. Starts as root (the oracle runs on the host kernel as root). */
#include "common.h"
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/wait.h>

static void show(const char *what) {
  uid_t r, e, s; gid_t gr, ge, gs;
  getresuid(&r, &e, &s); getresgid(&gr, &ge, &gs);
  printf("%-28s uid %u/%u/%u gid %u/%u/%u fsuid %d\n", what, r, e, s, gr, ge, gs, setfsuid(-1));
}

/* Run f in a child (credential changes stay there); the child's status is returned. */
static int in_child(void (*f)(void)) {
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) { f(); fflush(stdout); _exit(failures ? 1 : 0); }
  int st; waitpid(p, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failures++;
  return st;
}

static void resuid_and_back(void) {
  CHECK_OK(setresgid(100, 100, 0));
  CHECK_OK(setresuid(1000, 1000, 0));
  show("setresuid(1000,1000,0)");
  CHECK(geteuid() == 1000 && getuid() == 1000);
  /* not privileged now: only the three current ids are allowed */
  CHECK_ERR(setresuid(2000, -1, -1), EPERM);
  CHECK_ERR(setuid(2000), EPERM);
  CHECK_ERR(setgroups(0, NULL), EPERM);
  /* the saved uid 0 lets us back */
  CHECK_OK(setresuid(-1, 0, -1));
  show("setresuid(-1,0,-1)");
  CHECK(geteuid() == 0 && getuid() == 1000);
  /* euid 0 again: privileged, any ids */
  CHECK_OK(setresuid(0, 0, 0));
  CHECK_OK(setresgid(0, 0, 0));
  show("back to root");
  /* setuid as root sets all three: no way back */
  CHECK_OK(setuid(1000));
  show("setuid(1000)");
  CHECK_ERR(setuid(0), EPERM);
  CHECK_ERR(seteuid(0), EPERM);
  CHECK_ERR(setresuid(-1, 0, -1), EPERM);
  CHECK_OK(setuid(1000));
}

static void reuid_rules(void) {
  /* setreuid: a changed real id (or euid != old real) copies euid into saved */
  CHECK_OK(setreuid(1000, 2000));
  show("setreuid(1000,2000)");
  CHECK_ERR(setreuid(0, -1), EPERM);
  CHECK_ERR(seteuid(0), EPERM);
  CHECK_OK(setreuid(2000, 1000));          /* swap: real may become old euid */
  show("setreuid(2000,1000)");
  CHECK_OK(seteuid(2000));                   /* saved id is 1000, real 2000 */
  show("seteuid(2000)");
  CHECK_ERR(setreuid(3000, -1), EPERM);
}

static void unpriv_setuid(void) {
  CHECK_OK(setresuid(1000, 2000, 3000));
  show("setresuid(1000,2000,3000)");
  CHECK_OK(setuid(3000));                    /* non-root setuid: euid only, to real or saved */
  show("setuid(3000)");
  CHECK_OK(setuid(1000));
  show("setuid(1000)");
  CHECK_ERR(setuid(2000), EPERM);
  /* setfsuid always returns the old value and changes only to an allowed id */
  printf("setfsuid(5) -> %d\n", setfsuid(5));
  printf("setfsuid(-1) -> %d\n", setfsuid(-1));
  printf("setfsuid(3000) -> %d\n", setfsuid(3000));
  printf("setfsuid(-1) -> %d\n", setfsuid(-1));
  CHECK(setfsuid(-1) == 3000);
  CHECK_OK(seteuid(1000));                   /* fsuid follows euid */
  CHECK(setfsuid(-1) == 1000);
  printf("setfsgid(7) -> %d\n", setfsgid(7));
}

static void gid_rules(void) {
  CHECK_OK(setresgid(10, 20, 30));
  CHECK_OK(setresuid(1000, 1000, 1000));
  show("gids 10/20/30");
  CHECK_OK(setgid(30));
  CHECK_OK(setregid(-1, 10));
  show("setgid(30); setregid(-1,10)");
  CHECK_ERR(setgid(40), EPERM);
  CHECK_ERR(setresgid(40, -1, -1), EPERM);
  CHECK_OK(setresgid(30, 30, 30));
  show("setresgid(30,30,30)");
}

int main(void) {
  show("start");
  CHECK(getuid() == 0 && geteuid() == 0);
  CHECK_ERR(setuid(-1), EINVAL);
  CHECK_ERR(setgid(-1), EINVAL);

  /* groups: root may set them; the kernel keeps them sorted */
  gid_t set[] = { 50, 7, 300, 7 };
  CHECK_OK(setgroups(4, set));
  gid_t got[16];
  int n = getgroups(16, got);
  printf("getgroups -> %d:", n);
  for (int i = 0; i < n; i++) printf(" %u", got[i]);
  printf("\n");
  CHECK(n == 4 && got[0] == 7 && got[3] == 300);
  printf("getgroups(0) -> %d\n", getgroups(0, NULL));
  CHECK_ERR(getgroups(2, got), EINVAL);
  CHECK_ERR(setgroups(65537, set), EINVAL);
  CHECK_OK(setgroups(0, NULL));
  printf("after setgroups(0) -> %d\n", getgroups(0, NULL));

  in_child(resuid_and_back);
  in_child(reuid_rules);
  in_child(unpriv_setuid);
  in_child(gid_rules);
  show("parent unchanged");
  return finish();
}
