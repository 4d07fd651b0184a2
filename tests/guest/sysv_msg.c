/* System V message queues: msgget keys and flags, msgsnd/msgrcv type selection
 * (0, >0, <0, MSG_EXCEPT, MSG_COPY), MSG_NOERROR/E2BIG, IPC_NOWAIT, queue limits,
 * blocking senders and receivers, EINTR and EIDRM, msgctl STAT/SET/RMID/INFO, and
 * permissions for another user. Also the INFO, STAT and SHM_LOCK commands of
 * shmctl and semctl. Runs as root (drops to uid 65534 in children). */
#include "common.h"
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/mount.h>

struct mb { long mtype; char mtext[9000]; };
static struct mb m;

static int snd(int q, long type, const char *s, int flg) {
  m.mtype = type;
  strcpy(m.mtext, s);
  return msgsnd(q, &m, strlen(s), flg);
}

static void rcv(int q, size_t sz, long typ, int flg) {
  memset(&m, 0, sizeof m);
  long n = msgrcv(q, &m, sz, typ, flg);
  if (n < 0) printf("msgrcv(typ %ld, flg %o) -> %s\n", typ, flg, errname(errno));
  else printf("msgrcv(typ %ld, flg %o) -> %ld type %ld '%.*s'\n", typ, flg, n, m.mtype, (int)n, m.mtext);
}

static void qstat(int q, const char *what) {
  struct msqid_ds ds;
  CHECK_OK(msgctl(q, IPC_STAT, &ds));
  printf("%s: qnum %lu cbytes %lu qbytes %lu mode %o lspid_ok %d lrpid_ok %d\n", what,
         (unsigned long)ds.msg_qnum, (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qbytes,
         ds.msg_perm.mode & 0777, ds.msg_lspid == getpid() || ds.msg_lspid == 0,
         ds.msg_lrpid == getpid() || ds.msg_lrpid == 0);
}

/* Wait until the child sleeps in a syscall (it announced it over the pipe first). */
static void wait_sleeping(pid_t c, int rfd) {
  char b;
  if (read(rfd, &b, 1) != 1) printf("handshake failed\n");
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/%d/stat", c);
  for (int i = 0; i < 1000000; i++) {
    int fd = open(path, O_RDONLY);
    int n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0) { buf[n] = 0; char *p = strrchr(buf, ')'); if (p && p[2] == 'S') return; }
    sched_yield();
  }
  printf("child never slept\n");
}

static void on_usr1(int s) { (void)s; }

int main(void) {
  /* the root may lack a mounted /proc (tuml's test root); the host's has one */
  if (access("/proc/self/stat", R_OK) != 0) { mkdir("/proc", 0555); mount("proc", "/proc", "proc", 0, NULL); }
  /* keys and flags */
  key_t key = 0x6d000000 | (getpid() & 0xffffff);
  CHECK_ERR(msgget(key, 0600), ENOENT);
  int k = CHECK_OK(msgget(key, IPC_CREAT | IPC_EXCL | 0640));
  CHECK_ERR(msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
  printf("same id by key %d\n", msgget(key, 0) == k);
  int q = CHECK_OK(msgget(IPC_PRIVATE, 0600));
  printf("private differs %d\n", q != k);
  qstat(q, "new");

  /* sending and the type rules */
  CHECK_ERR(snd(q, 0, "x", 0), EINVAL);
  CHECK_ERR(snd(q, -3, "x", 0), EINVAL);
  m.mtype = 1;
  CHECK_ERR(msgsnd(q, &m, 8193, 0), EINVAL);
  CHECK_ERR(msgsnd(-1, &m, 1, 0), EINVAL);
  CHECK_ERR(msgsnd(q, (void *)8, 1, 0), EFAULT);
  CHECK_OK(snd(q, 3, "three", 0));
  CHECK_OK(snd(q, 1, "one-a", 0));
  CHECK_OK(snd(q, 2, "two", 0));
  CHECK_OK(snd(q, 1, "one-b", 0));
  CHECK_OK(snd(q, 7, "", 0));
  qstat(q, "five sent");
  CHECK_ERR(msgrcv(q, &m, 100, 0, MSG_COPY), EINVAL);
  CHECK_ERR(msgrcv(q, &m, 100, 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT), EINVAL);
  rcv(q, 100, 2, MSG_COPY | IPC_NOWAIT);
  rcv(q, 100, 9, MSG_COPY | IPC_NOWAIT);
  rcv(q, 3, 0, MSG_COPY | IPC_NOWAIT | MSG_NOERROR);
  rcv(q, 2, 0, 0);                 /* E2BIG, message stays */
  rcv(q, 2, 0, MSG_NOERROR);       /* truncated, removed */
  rcv(q, 100, -2, 0);              /* lowest type <= 2: one-a */
  rcv(q, 100, 1, MSG_EXCEPT);      /* first not 1: two */
  rcv(q, 100, 4, IPC_NOWAIT);      /* ENOMSG */
  rcv(q, 100, 7, 0);               /* empty text */
  rcv(q, 100, -9, 0);
  qstat(q, "drained");
  CHECK_ERR(msgrcv(q, &m, 100, 0, IPC_NOWAIT), ENOMSG);
  CHECK_ERR(msgrcv(q, &m, -1, 0, IPC_NOWAIT), EINVAL);
  CHECK_ERR(msgrcv(-5, &m, 10, 0, IPC_NOWAIT), EINVAL);

  /* limits: msg_qbytes */
  struct msqid_ds ds;
  CHECK_OK(msgctl(q, IPC_STAT, &ds));
  ds.msg_qbytes = 100;
  ds.msg_perm.mode = 0644;
  CHECK_OK(msgctl(q, IPC_SET, &ds));
  qstat(q, "qbytes 100");
  memset(m.mtext, 'a', 60); m.mtext[60] = 0;
  CHECK_OK(snd(q, 1, m.mtext, 0));
  memset(m.mtext, 'b', 60); m.mtext[60] = 0;
  CHECK_ERR(snd(q, 1, m.mtext, IPC_NOWAIT), EAGAIN);
  CHECK_OK(snd(q, 1, "0123456789012345678901234567890123456789", IPC_NOWAIT));
  CHECK_ERR(snd(q, 1, "z", IPC_NOWAIT), EAGAIN);

  int pfd[2];
  pipe(pfd);
  /* a blocked sender completes when a receiver makes room */
  pid_t c = fork();
  if (c == 0) {
    write(pfd[1], "x", 1);
    int r = snd(q, 9, "blocked-sender", 0);
    printf("child: send %d\n", r);
    _exit(0);
  }
  wait_sleeping(c, pfd[0]);
  long n1 = msgrcv(q, &m, 100, 0, 0); /* makes room; printed after the child's line */
  int st;
  waitpid(c, &st, 0);
  printf("made room: %ld type %ld\n", n1, m.mtype);
  rcv(q, 100, 0, 0);
  rcv(q, 100, 0, 0);
  qstat(q, "after blocked sender");

  /* a blocked receiver wakes for its type only */
  c = fork();
  if (c == 0) {
    write(pfd[1], "x", 1);
    rcv(q, 100, 5, 0);
    _exit(0);
  }
  wait_sleeping(c, pfd[0]);
  CHECK_OK(snd(q, 4, "four", 0));
  CHECK_OK(snd(q, 5, "five", 0));
  waitpid(c, &st, 0);
  rcv(q, 100, 0, IPC_NOWAIT);

  /* a signal ends the wait with EINTR even with SA_RESTART */
  c = fork();
  if (c == 0) {
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    write(pfd[1], "x", 1);
    rcv(q, 100, 99, 0);
    _exit(0);
  }
  wait_sleeping(c, pfd[0]);
  kill(c, SIGUSR1);
  waitpid(c, &st, 0);

  /* another user: permissions */
  int priv = CHECK_OK(msgget(IPC_PRIVATE, 0600));
  c = fork();
  if (c == 0) {
    failures = 0;
    setuid(65534);
    CHECK_ERR(snd(priv, 1, "no", 0), EACCES);
    CHECK_ERR(msgrcv(priv, &m, 10, 0, IPC_NOWAIT), EACCES);
    CHECK_ERR(msgctl(priv, IPC_STAT, &ds), EACCES);
    CHECK_ERR(msgctl(priv, IPC_RMID, NULL), EPERM);
    CHECK_ERR(snd(q, 1, "other user", 0), EACCES); /* q is 0644 now: write denied */
    _exit(failures);
  }
  waitpid(c, &st, 0);
  printf("child failures %d\n", WEXITSTATUS(st));
  rcv(q, 100, 0, IPC_NOWAIT);
  c = fork();
  if (c == 0) {
    failures = 0;
    setuid(65534);
    CHECK_OK(msgctl(q, IPC_STAT, &ds));
    ds.msg_qbytes = 20000;
    CHECK_ERR(msgctl(q, IPC_SET, &ds), EPERM);
    _exit(failures);
  }
  waitpid(c, &st, 0);
  printf("child2 failures %d\n", WEXITSTATUS(st));

  /* IPC_RMID wakes a sleeping receiver with EIDRM */
  c = fork();
  if (c == 0) {
    write(pfd[1], "x", 1);
    rcv(priv, 100, 0, 0);
    _exit(0);
  }
  wait_sleeping(c, pfd[0]);
  CHECK_OK(msgctl(priv, IPC_RMID, NULL));
  waitpid(c, &st, 0);
  CHECK_ERR(msgctl(priv, IPC_STAT, &ds), EINVAL);
  CHECK_ERR(snd(priv, 1, "x", 0), EINVAL);

  /* info and index-based stat */
  struct msginfo mi;
  int mx = CHECK_OK(msgctl(0, IPC_INFO, (struct msqid_ds *)&mi));
  printf("IPC_INFO max %d: msgmax %d msgmnb %d msgmni %d msgssz %d msgseg %d pool %d map %d tql %d\n",
         mx >= 0, mi.msgmax, mi.msgmnb, mi.msgmni, mi.msgssz, mi.msgseg, mi.msgpool, mi.msgmap, mi.msgtql);
  mx = CHECK_OK(msgctl(0, MSG_INFO, (struct msqid_ds *)&mi));
  printf("MSG_INFO maxidx_ok %d pool>=2 %d\n", mx >= (q & 0x7fff) && mx >= (k & 0x7fff), mi.msgpool >= 2);
  printf("MSG_STAT gives id %d\n", msgctl(q & 0x7fff, MSG_STAT, &ds) == q);
  CHECK_OK(msgctl(q, IPC_RMID, NULL));
  CHECK_OK(msgctl(k, IPC_RMID, NULL));
  CHECK_ERR(msgctl(q, IPC_RMID, NULL), EINVAL);
  CHECK_ERR(msgctl(q, 77, &ds), EINVAL);

  /* shmctl: IPC_INFO, SHM_INFO, SHM_STAT, SHM_LOCK/UNLOCK */
  int sh = CHECK_OK(shmget(IPC_PRIVATE, 3 * 4096 + 5, IPC_CREAT | 0600));
  struct shminfo si;
  mx = CHECK_OK(shmctl(0, IPC_INFO, (struct shmid_ds *)&si));
  printf("shm IPC_INFO shmmax %lx shmmin %lu shmmni %lu shmseg %lu shmall %lx maxidx_ok %d\n",
         si.shmmax, si.shmmin, si.shmmni, si.shmseg, si.shmall, mx >= (sh & 0x7fff));
  struct shm_info shi;
  mx = CHECK_OK(shmctl(0, SHM_INFO, (struct shmid_ds *)&shi));
  printf("SHM_INFO used>=1 %d tot>=4 %d swp %lu maxidx_ok %d\n", shi.used_ids >= 1, shi.shm_tot >= 4,
         shi.shm_swp, mx >= (sh & 0x7fff));
  struct shmid_ds sd;
  printf("SHM_STAT gives id %d\n", shmctl(sh & 0x7fff, SHM_STAT, &sd) == sh);
  CHECK_OK(shmctl(sh, SHM_LOCK, NULL));
  CHECK_OK(shmctl(sh, IPC_STAT, &sd));
  printf("locked %d\n", (sd.shm_perm.mode & SHM_LOCKED) != 0);
  CHECK_OK(shmctl(sh, SHM_LOCK, NULL));
  CHECK_OK(shmctl(sh, SHM_UNLOCK, NULL));
  CHECK_OK(shmctl(sh, SHM_UNLOCK, NULL));
  CHECK_OK(shmctl(sh, IPC_STAT, &sd));
  printf("unlocked %d\n", (sd.shm_perm.mode & SHM_LOCKED) == 0);
  c = fork();
  if (c == 0) {
    failures = 0;
    setuid(65534);
    CHECK_ERR(shmctl(sh, SHM_LOCK, NULL), EPERM);
    CHECK_ERR(shmctl(sh, SHM_UNLOCK, NULL), EPERM);
    CHECK_ERR(shmctl(sh & 0x7fff, SHM_STAT, &sd), EACCES);
    CHECK_ERR(shmctl(sh, IPC_STAT, &sd), EACCES);
    _exit(failures);
  }
  waitpid(c, &st, 0);
  printf("shm child failures %d\n", WEXITSTATUS(st));
  CHECK_OK(shmctl(sh, IPC_SET, &sd)); /* still works, and sets uid to ours */
  sd.shm_perm.uid = 65534;
  CHECK_OK(shmctl(sh, IPC_SET, &sd));
  c = fork();
  if (c == 0) {
    failures = 0;
    setuid(65534);
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_MEMLOCK, &rl);
    CHECK_ERR(shmctl(sh, SHM_LOCK, NULL), EPERM);   /* owner, but no RLIMIT_MEMLOCK */
    CHECK_OK(shmctl(sh, SHM_UNLOCK, NULL));          /* unlocking needs no limit */
    _exit(failures);
  }
  waitpid(c, &st, 0);
  printf("shm child2 failures %d\n", WEXITSTATUS(st));
  CHECK_ERR(shmctl(sh, 99, &sd), EINVAL);
  CHECK_OK(shmctl(sh, IPC_RMID, NULL));

  /* semctl: IPC_INFO, SEM_INFO, SEM_STAT */
  int se = CHECK_OK(semget(IPC_PRIVATE, 4, IPC_CREAT | 0600));
  struct seminfo smi;
  mx = CHECK_OK(semctl(0, 0, IPC_INFO, &smi));
  printf("sem IPC_INFO map %d mni %d mns %d mnu %d msl %d opm %d ume %d usz %d vmx %d aem %d maxidx_ok %d\n",
         smi.semmap, smi.semmni, smi.semmns, smi.semmnu, smi.semmsl, smi.semopm, smi.semume, smi.semusz,
         smi.semvmx, smi.semaem, mx >= (se & 0x7fff));
  mx = CHECK_OK(semctl(0, 0, SEM_INFO, &smi));
  printf("SEM_INFO usz>=1 %d aem>=4 %d maxidx_ok %d\n", smi.semusz >= 1, smi.semaem >= 4, mx >= (se & 0x7fff));
  struct semid_ds sed;
  printf("SEM_STAT gives id %d\n", semctl(se & 0x7fff, 0, SEM_STAT, &sed) == se);
  printf("SEM_STAT nsems %lu\n", (unsigned long)sed.sem_nsems);
  CHECK_OK(semctl(se, 0, IPC_RMID));
  return finish();
}
