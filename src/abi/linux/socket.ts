// Socket ABI (riscv64 uses asm-generic/socket.h and the generic linux/socket.h values).
// Checked against /usr/riscv64-linux-gnu/include (bits/socket.h, asm-generic/socket.h).

// Address families.
export const AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;
export const AF_MAX = 46;

// Socket types, and the flags socket()/socketpair()/accept4() take in the type argument.
export const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_RDM = 4, SOCK_SEQPACKET = 5, SOCK_PACKET = 10;
export const SOCK_TYPE_MASK = 0xf;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

// send/recv flags.
export const MSG_OOB = 0x1, MSG_PEEK = 0x2, MSG_DONTROUTE = 0x4, MSG_CTRUNC = 0x8, MSG_PROXY = 0x10;
export const MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_EOR = 0x80, MSG_WAITALL = 0x100;
export const MSG_FIN = 0x200, MSG_SYN = 0x400, MSG_CONFIRM = 0x800, MSG_RST = 0x1000;
export const MSG_ERRQUEUE = 0x2000, MSG_NOSIGNAL = 0x4000, MSG_MORE = 0x8000, MSG_WAITFORONE = 0x10000;
export const MSG_BATCH = 0x40000, MSG_ZEROCOPY = 0x4000000, MSG_FASTOPEN = 0x20000000;
export const MSG_CMSG_CLOEXEC = 0x40000000;

// shutdown(2).
export const SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;

export const SOMAXCONN = 4096;

// Option levels.
export const SOL_SOCKET = 1, SOL_IP = 0, SOL_TCP = 6, SOL_UDP = 17, SOL_IPV6 = 41, SOL_RAW = 255;

// SOL_SOCKET options.
export const SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5, SO_BROADCAST = 6;
export const SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9, SO_OOBINLINE = 10, SO_NO_CHECK = 11;
export const SO_PRIORITY = 12, SO_LINGER = 13, SO_BSDCOMPAT = 14, SO_REUSEPORT = 15, SO_PASSCRED = 16;
export const SO_PEERCRED = 17, SO_RCVLOWAT = 18, SO_SNDLOWAT = 19, SO_RCVTIMEO_OLD = 20, SO_SNDTIMEO_OLD = 21;
export const SO_BINDTODEVICE = 25, SO_TIMESTAMP_OLD = 29, SO_ACCEPTCONN = 30, SO_PEERSEC = 31;
export const SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33, SO_PASSSEC = 34, SO_MARK = 36, SO_PROTOCOL = 38, SO_DOMAIN = 39;
export const SO_PEEK_OFF = 42, SO_COOKIE = 57, SO_PEERGROUPS = 59, SO_BINDTOIFINDEX = 62;
export const SO_RCVTIMEO_NEW = 66, SO_SNDTIMEO_NEW = 67;

// Control messages (SOL_SOCKET level).
export const SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;
/** SCM_MAX_FD: at most this many fds in one SCM_RIGHTS message. */
export const SCM_MAX_FD = 253;

/** struct sockaddr_storage size; the largest address a syscall accepts. */
export const SOCKADDR_MAX = 128;
/** sizeof(sa_family_t) + sizeof(sun_path). */
export const SOCKADDR_UN_SIZE = 110;
export const UNIX_PATH_MAX = 108;

// struct msghdr (64-bit): name, namelen(u32)+pad, iov, iovlen, control, controllen, flags.
export const MSGHDR_SIZE = 56;
export const MSGHDR_NAME = 0, MSGHDR_NAMELEN = 8, MSGHDR_IOV = 16, MSGHDR_IOVLEN = 24;
export const MSGHDR_CONTROL = 32, MSGHDR_CONTROLLEN = 40, MSGHDR_FLAGS = 48;
/** struct mmsghdr: msghdr then unsigned msg_len (padded to 64 bytes). */
export const MMSGHDR_SIZE = 64;
/** struct cmsghdr: len (u64), level (i32), type (i32); data aligned to 8. */
export const CMSGHDR_SIZE = 16;
export const cmsgAlign = (n: number): number => (n + 7) & ~7;
export const cmsgSpace = (n: number): number => CMSGHDR_SIZE + cmsgAlign(n);
export const cmsgLen = (n: number): number => CMSGHDR_SIZE + n;
/** struct ucred: pid, uid, gid (u32 each). */
export const UCRED_SIZE = 12;

// Socket filters (asm-generic/socket.h): SO_GET_FILTER is SO_ATTACH_FILTER on getsockopt.
export const SO_ATTACH_FILTER = 26, SO_DETACH_FILTER = 27, SO_LOCK_FILTER = 44;
/** struct sock_fprog on 64-bit: u16 len, padding, struct sock_filter *filter. */
export const SOCK_FPROG_SIZE = 16;

// AF_PACKET (linux/if_packet.h, linux/if_ether.h).
export const SOL_PACKET = 263;
export const PACKET_ADD_MEMBERSHIP = 1, PACKET_DROP_MEMBERSHIP = 2, PACKET_RECV_OUTPUT = 3, PACKET_RX_RING = 5,
  PACKET_STATISTICS = 6, PACKET_COPY_THRESH = 7, PACKET_AUXDATA = 8, PACKET_ORIGDEV = 9, PACKET_VERSION = 10,
  PACKET_HDRLEN = 11, PACKET_RESERVE = 12, PACKET_TX_RING = 13, PACKET_IGNORE_OUTGOING = 23;
export const PACKET_MR_MULTICAST = 0, PACKET_MR_PROMISC = 1, PACKET_MR_ALLMULTI = 2;
export const TP_STATUS_USER = 1, TP_STATUS_CSUMNOTREADY = 8;
export const ETH_P_ALL = 3;
/** struct sockaddr_ll. */
export const SOCKADDR_LL_SIZE = 20;
