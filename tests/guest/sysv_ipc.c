/* System V IPC: shared memory shared across fork, IPC_STAT fields, IPC_RMID semantics;
 * semaphores as a mutex between parent and child, IPC_NOWAIT, SETALL/GETALL, EIDRM. */
#include "common.h"
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <sched.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; };

int main(void) {
  /* shm */
  CHECK_ERR(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
  int id = CHECK_OK(shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600));
  struct shmid_ds ds;
  CHECK_OK(shmctl(id, IPC_STAT, &ds));
  printf("segsz %zu nattch %lu mode %o cpid_ok %d\n", (size_t)ds.shm_segsz, (unsigned long)ds.shm_nattch,
         ds.shm_perm.mode & 0777, ds.shm_cpid == getpid());
  char *p = shmat(id, NULL, 0);
  CHECK(p != (char *)-1);
  CHECK_OK(shmctl(id, IPC_STAT, &ds));
  printf("after attach nattch %lu lpid_ok %d\n", (unsigned long)ds.shm_nattch, ds.shm_lpid == getpid());
  strcpy(p, "parent");
  pid_t c = fork();
  if (c == 0) {
    struct shmid_ds d2;
    shmctl(id, IPC_STAT, &d2);
    printf("child sees '%s' nattch %lu\n", p, (unsigned long)d2.shm_nattch);
    strcpy(p + 8000, "from child");
    shmdt(p);
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);
  printf("parent sees '%s'\n", p + 8000);
  CHECK_OK(shmctl(id, IPC_STAT, &ds));
  printf("nattch after child %lu\n", (unsigned long)ds.shm_nattch);
  CHECK_ERR(shmdt(p + 4096), EINVAL);
  char *q = shmat(id, NULL, SHM_RDONLY);
  CHECK(q != (char *)-1);
  printf("rdonly view '%s'\n", q);
  CHECK_OK(shmctl(id, IPC_RMID, NULL));
  CHECK_OK(shmctl(id, IPC_STAT, &ds));
  printf("after rmid nattch %lu dest %d key %d\n", (unsigned long)ds.shm_nattch, (ds.shm_perm.mode & SHM_DEST) != 0, (int)ds.shm_perm.__key);
  CHECK_OK(shmdt(q));
  CHECK_OK(shmdt(p));
  CHECK_ERR(shmdt(p), EINVAL);
  CHECK_ERR(shmctl(id, IPC_STAT, &ds), EINVAL);
  CHECK_ERR(shmget(0x7eadbeef, 4096, 0), ENOENT);
  CHECK_ERR(shmat(-1, NULL, 0), EINVAL);

  /* semaphores */
  CHECK_ERR(semget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
  int s = CHECK_OK(semget(IPC_PRIVATE, 3, IPC_CREAT | 0600));
  struct semid_ds sd;
  union semun a;
  a.buf = &sd;
  CHECK_OK(semctl(s, 0, IPC_STAT, a));
  printf("nsems %lu mode %o otime %ld\n", (unsigned long)sd.sem_nsems, sd.sem_perm.mode & 0777, (long)sd.sem_otime);
  unsigned short vals[3] = {1, 5, 0}, got[3];
  a.array = vals;
  CHECK_OK(semctl(s, 0, SETALL, a));
  a.array = got;
  CHECK_OK(semctl(s, 0, GETALL, a));
  printf("getall %d %d %d getpid_ok %d\n", got[0], got[1], got[2], semctl(s, 1, GETPID) == getpid());
  struct sembuf take = {0, -1, 0}, give = {0, 1, 0};
  struct sembuf nw = {2, -1, IPC_NOWAIT};
  CHECK_ERR(semop(s, &nw, 1), EAGAIN);
  struct sembuf big = {7, 1, 0};
  CHECK_ERR(semop(s, &big, 1), EFBIG);
  struct sembuf many[600];
  CHECK_ERR(semop(s, many, 600), E2BIG);
  a.val = 40000;
  CHECK_ERR(semctl(s, 0, SETVAL, a), ERANGE);
  struct sembuf over = {1, 32767, 0};
  CHECK_ERR(semop(s, &over, 1), ERANGE);
  /* all or nothing: first op would succeed, second would block */
  struct sembuf pair[2] = {{1, -1, 0}, {2, -1, IPC_NOWAIT}};
  CHECK_ERR(semop(s, pair, 2), EAGAIN);
  printf("sem1 still %d\n", semctl(s, 1, GETVAL));
  /* mutex between parent and child over a shared counter */
  int sid = CHECK_OK(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
  volatile int *cnt = shmat(sid, NULL, 0);
  *cnt = 0;
  c = fork();
  for (int i = 0; i < 200; i++) {
    CHECK_OK(semop(s, &take, 1));
    int v = *cnt;
    if (i % 17 == 0) sched_yield();
    *cnt = v + 1;
    CHECK_OK(semop(s, &give, 1));
  }
  if (c == 0) _exit(failures);
  waitpid(c, &st, 0);
  printf("counter %d child status %d\n", *cnt, WEXITSTATUS(st));
  /* SEM_UNDO applied at exit; blocked child sees waiting count */
  c = fork();
  if (c == 0) {
    struct sembuf u = {2, 3, SEM_UNDO};
    semop(s, &u, 1);
    _exit(0);
  }
  waitpid(c, &st, 0);
  printf("after undo sem2 %d\n", semctl(s, 2, GETVAL));
  c = fork();
  if (c == 0) {
    struct sembuf w = {2, -1, 0};
    int r = semop(s, &w, 1);
    printf("child semop %d %s\n", r, r < 0 ? errname(errno) : "");
    fflush(stdout);
    _exit(0);
  }
  while (semctl(s, 2, GETNCNT) != 1) sched_yield();
  printf("ncnt %d zcnt %d\n", semctl(s, 2, GETNCNT), semctl(s, 2, GETZCNT));
  CHECK_OK(semctl(s, 0, IPC_RMID));
  waitpid(c, &st, 0);
  CHECK_ERR(semctl(s, 0, GETVAL), EINVAL);
  CHECK_OK(shmdt((void *)cnt));
  CHECK_OK(shmctl(sid, IPC_RMID, NULL));
  return finish();
}
