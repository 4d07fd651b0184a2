/* uname: the fields that do not depend on the host (release and nodename do). */
#include "common.h"
#include <sys/utsname.h>

int main(void) {
  struct utsname u;
  CHECK_OK(uname(&u));
  printf("sysname %s\nmachine %s\n", u.sysname, u.machine);
  CHECK(strcmp(u.sysname, "Linux") == 0);
  CHECK(strcmp(u.machine, "riscv64") == 0);
  int major = 0, minor = 0; int n = sscanf(u.release, "%d.%d", &major, &minor);
  printf("release parses as N.N %d, at least 4.x %d\n", n == 2, major >= 4);
  printf("nodename nonempty %d, version nonempty %d\n", u.nodename[0] != 0, u.version[0] != 0);
  CHECK_ERR(uname((struct utsname *)8), EFAULT);
  return finish();
}
