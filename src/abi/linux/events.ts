// Event files: epoll (linux/eventpoll.h), eventfd (linux/eventfd.h), timerfd
// (linux/timerfd.h), signalfd (linux/signalfd.h), pidfd (linux/pidfd.h) and POSIX timers
// (asm-generic/siginfo.h sigevent). The *_CLOEXEC/*_NONBLOCK flags equal O_CLOEXEC/O_NONBLOCK.
export const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x1, EPOLLPRI = 0x2, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10,
  EPOLLNVAL = 0x20, EPOLLRDNORM = 0x40, EPOLLRDBAND = 0x80, EPOLLWRNORM = 0x100, EPOLLWRBAND = 0x200,
  EPOLLMSG = 0x400, EPOLLRDHUP = 0x2000;
export const EPOLLEXCLUSIVE = 1 << 28, EPOLLWAKEUP = 1 << 29, EPOLLONESHOT = 1 << 30, EPOLLET = 1 << 31;
/** Bits that are flags rather than events. */
export const EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
export const EPOLLEXCLUSIVE_OK_BITS = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
/** struct epoll_event is 16 bytes on riscv64 (packed only on x86-64). */
export const EPOLL_EVENT_SIZE = 16;
/** Nesting limit of epoll files watching epoll files. */
export const EP_MAX_NESTS = 4;

export const EFD_SEMAPHORE = 1;

export const TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;

/** struct signalfd_siginfo is 128 bytes. */
export const SIGNALFD_SIGINFO_SIZE = 128;

export const PIDFD_THREAD = 0o200; // O_EXCL
/** pidfd_send_signal scopes (Linux 6.9). */
export const PIDFD_SIGNAL_THREAD = 1, PIDFD_SIGNAL_THREAD_GROUP = 2, PIDFD_SIGNAL_PROCESS_GROUP = 4;

export const SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4;
