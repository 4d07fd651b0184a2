// The mqueue filesystem (mq_overview(7)): POSIX message queues are inodes in one
// superblock per machine, reached by mq_open through an internal mount and, when
// mounted (mount -t mqueue none /dev/mqueue), by path: ls, rm, open(O_CREAT), and a
// read() giving the "QSIZE:... NOTIFY:..." line. The queue operations (send/receive
// with their sleeps and mq_notify's signals) are in syscalls/sys_mqueue.ts.
import { ENOENT, EEXIST, EPERM, EINVAL, EMFILE, ENOSPC, EOVERFLOW } from '../abi/linux/errno.js';
import { S_IFDIR, S_IFREG, S_ISVTX } from '../abi/linux/stat.js';
import { MQUEUE_MAGIC, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from '../abi/linux/fs.js';
import { O_RDWR } from '../abi/linux/fcntl.js';
import { WaitQueue } from '../lib/waitqueue.js';
import { Inode, SuperBlock, FsCred, DirEntry } from './vfs/inode.js';
import { File, InodeFile } from './vfs/file.js';
import { Dentry } from './vfs/dentry.js';
import { Mount, MountNs, Path } from './vfs/mount.js';
import { registerFsType } from './vfs/mountops.js';

/** The ipc namespace's /proc/sys/fs/mqueue defaults and the hard limits (ipc/mq_sysctl.c). */
export const MQ_LIMITS = { queuesMax: 256, msgMax: 10, msgsizeMax: 8192, msgDefault: 10, msgsizeDefault: 8192 };
export const HARD_MSGMAX = 65536, HARD_MSGSIZEMAX = 16 * 1024 * 1024, MQ_PRIO_MAX = 32768;
/** Size the read() line and st_size report (FILENT_SIZE). */
const FILENT_SIZE = 80;
/** sizeof(struct msg_msg) and sizeof(struct posix_msg_tree_node) on 64-bit: RLIMIT_MSGQUEUE accounting. */
const MSG_HDR = 48, TREE_NODE = 48;
export const NOTIFY_NONE = 0, NOTIFY_WOKENUP = 1, NOTIFY_REMOVED = 2, NOTIFY_COOKIE_LEN = 32;

export interface MqMsg { prio: number; data: Uint8Array; }
/** A netlink socket that takes mq_notify(SIGEV_THREAD) cookies. */
export interface CookieSink { deliverRaw(b: Uint8Array): void; }

/** A task asleep in mq_timedsend/receive; a send or receive may complete it directly (pipelined). */
export interface MqSleeper { who: { wake(): void }; msg: MqMsg | null; done: boolean; }

export class MqSb extends SuperBlock {
  readonly fsType = 'mqueue';
  readonly magic = MQUEUE_MAGIC;
  root: MqDir;
  queues = 0;
  /** RLIMIT_MSGQUEUE bytes charged per real uid. */
  readonly charged = new Map<number, number>();
  constructor() { super(); this.root = new MqDir(this); }
}

export class MqDir extends Inode {
  declare readonly sb: MqSb;
  readonly entries = new Map<string, MqInode>();
  constructor(sb: MqSb) { super(sb, 1, S_IFDIR | S_ISVTX | 0o777); this.nlink = 2; }
  override lookup(name: string): Inode | number { return this.entries.get(name) ?? -ENOENT; }
  /** open(O_CREAT) in a mounted mqueue fs: a queue with the default attributes. */
  override create(name: string, mode: number, cred: FsCred): Inode | number {
    return this.newQueue(name, mode, cred, null, -1, false);
  }
  /**
   * mqueue_get_inode's checks and accounting. attr: [maxmsg, msgsize] or null (defaults);
   * rlimit: the creator's RLIMIT_MSGQUEUE (-1: unlimited); sysResource: CAP_SYS_RESOURCE.
   */
  newQueue(name: string, mode: number, cred: FsCred & { uid?: number }, attr: [number, number] | null,
    rlimit: number, sysResource: boolean): MqInode | number {
    if (this.entries.has(name)) return -EEXIST;
    const sb = this.sb;
    if (sb.queues >= MQ_LIMITS.queuesMax && !sysResource) return -ENOSPC;
    let maxmsg = MQ_LIMITS.msgDefault, msgsize = MQ_LIMITS.msgsizeDefault;
    if (attr) [maxmsg, msgsize] = attr;
    if (maxmsg <= 0 || msgsize <= 0) return -EINVAL;
    if (sysResource ? maxmsg > HARD_MSGMAX || msgsize > HARD_MSGSIZEMAX : maxmsg > MQ_LIMITS.msgMax || msgsize > MQ_LIMITS.msgsizeMax) return -EINVAL;
    if (msgsize > 2 ** 64 / maxmsg) return -EOVERFLOW;
    const bytes = maxmsg * msgsize + maxmsg * MSG_HDR + Math.min(maxmsg, MQ_PRIO_MAX) * TREE_NODE;
    const uid = cred.uid ?? cred.fsuid;
    const had = sb.charged.get(uid) ?? 0;
    if (rlimit >= 0 && had + bytes > rlimit) return -EMFILE;
    sb.charged.set(uid, had + bytes);
    sb.queues++;
    const q = new MqInode(sb, sb.allocIno(), S_IFREG | (mode & 0o7777), maxmsg, msgsize, uid, bytes);
    q.uid = cred.fsuid; q.gid = cred.fsgid;
    this.entries.set(name, q);
    this.touchM();
    return q;
  }
  override unlink(name: string, victim: Inode): number {
    if (this.entries.get(name) !== victim) return -ENOENT;
    this.entries.delete(name);
    const q = victim as MqInode;
    q.nlink = 0;
    q.touchC();
    this.touchM();
    q.maybeFree();
    return 0;
  }
  override mkdir(): Inode | number { return -EPERM; }
  override mknod(): Inode | number { return -EPERM; }
  override symlink(): Inode | number { return -EPERM; }
  override link(): number { return -EPERM; }
  override rename(): number { return -EPERM; }
  override readdir(): DirEntry[] | number {
    // newest first, as libfs's dcache_readdir lists them
    return [...this.entries].reverse().map(([name, q]) => ({ name, ino: q.ino, type: 8 }));
  }
}

/** One message queue. */
export class MqInode extends Inode {
  declare readonly sb: MqSb;
  /** Messages, highest priority first, FIFO within a priority. */
  readonly msgs: MqMsg[] = [];
  qsize = 0;
  readonly wq = new WaitQueue();
  /** Sleeping senders and receivers in arrival order. */
  readonly senders: MqSleeper[] = [];
  readonly receivers: MqSleeper[] = [];
  /** mq_notify registration: owner tgid (0: none) and the fd table whose close removes it. */
  notifyOwner = 0;
  notifyFiles: object | null = null;
  notifyKind = 0; notifySigno = 0; notifyValue = 0;
  notifySock: CookieSink | null = null;
  notifyCookie: Uint8Array | null = null;
  opens = 0;
  private freed = false;

  constructor(sb: MqSb, ino: number, mode: number, readonly maxmsg: number, readonly msgsize: number,
    readonly chargedUid: number, readonly chargedBytes: number) {
    super(sb, ino, mode);
    this.size = FILENT_SIZE;
  }

  insert(m: MqMsg): void {
    let i = this.msgs.length;
    while (i > 0 && this.msgs[i - 1].prio < m.prio) i--;
    this.msgs.splice(i, 0, m);
    this.qsize += m.data.length;
  }
  take(): MqMsg {
    const m = this.msgs.shift()!;
    this.qsize -= m.data.length;
    return m;
  }

  /** remove_notification: a SIGEV_THREAD listener hears NOTIFY_REMOVED. */
  removeNotification(): void {
    if (this.notifyOwner !== 0 && this.notifySock && this.notifyCookie) {
      const c = this.notifyCookie.slice();
      c[NOTIFY_COOKIE_LEN - 1] = NOTIFY_REMOVED;
      this.notifySock.deliverRaw(c);
    }
    this.notifyOwner = 0; this.notifyFiles = null; this.notifySock = null; this.notifyCookie = null;
  }

  /** The QSIZE line read() returns. */
  line(pidOf: (tgid: number) => number = (p) => p): string {
    const owner = this.notifyOwner !== 0;
    const f = (v: number, w: number): string => String(v).padEnd(w);
    return `QSIZE:${f(this.qsize, 10)} NOTIFY:${f(owner ? this.notifyKind : 0, 5)} SIGNO:${f(owner && this.notifyKind === 0 ? this.notifySigno : 0, 5)} NOTIFY_PID:${f(owner ? pidOf(this.notifyOwner) : 0, 6)}\n`;
  }

  override read(_file: File | null, buf: Uint8Array, pos: number): number {
    const b = Buffer.from(this.line(), 'latin1');
    if (pos >= b.length) return 0;
    const n = Math.min(buf.length, b.length - pos);
    buf.set(b.subarray(pos, pos + n));
    this.touchA(); this.touchC();
    return n;
  }
  override write(): number { return -EINVAL; }
  override truncate(): number { return -EINVAL; }
  override fileFor(flags: number, p: Path): File | null { return new MqFile(flags, p, this); }

  /** Last name and last open gone: return the RLIMIT_MSGQUEUE charge and the queue count. */
  maybeFree(): void {
    if (this.freed || this.nlink > 0 || this.opens > 0) return;
    this.freed = true;
    const sb = this.sb;
    sb.queues--;
    sb.charged.set(this.chargedUid, Math.max(0, (sb.charged.get(this.chargedUid) ?? 0) - this.chargedBytes));
    this.msgs.length = 0;
    this.qsize = 0;
  }
}

/** An open queue: mq_open's fd, or open(2) of a file in a mounted mqueue fs. */
export class MqFile extends InodeFile {
  declare readonly inode: MqInode;
  /** Opened O_RDWR|O_WRONLY at creation: neither readable nor writable (OPEN_FMODE). */
  noAccess = false;
  override get readable(): boolean { return !this.noAccess && super.readable; }
  override get writable(): boolean { return !this.noAccess && super.writable; }
  constructor(flags: number, p: Path, q: MqInode) { super(flags, p, q); q.opens++; }
  override poll(): number {
    const q = this.inode;
    let m = 0;
    if (q.msgs.length > 0) m |= POLLIN | POLLRDNORM;
    if (q.msgs.length < q.maxmsg) m |= POLLOUT | POLLWRNORM;
    return m;
  }
  override get waitQueue(): WaitQueue { return this.inode.wq; }
  override flush(files: object): void {
    const q = this.inode;
    if (q.notifyOwner !== 0 && q.notifyFiles === files) q.removeNotification();
  }
  override release(): void {
    const q = this.inode;
    q.opens--;
    q.maybeFree();
  }
}

let sbOnce: MqSb | null = null;
let mntOnce: Mount | null = null;
/** The machine's queues (one ipc namespace). */
export function mqSb(): MqSb { return (sbOnce ??= new MqSb()); }
/** The internal mount mq_open resolves names in (Linux's ipc_ns->mq_mnt). */
export function mqMount(): Mount {
  return (mntOnce ??= new Mount(mqSb(), new Dentry('/', null, mqSb().root), 0, 'mqueue', 'mqueue', new MountNs()));
}
registerFsType('mqueue', () => mqSb());
void O_RDWR;
