// pipefs: the node an anonymous pipe has for reopening through /proc/PID/fd/N (Linux's
// pipefs). Following that magic link reaches this FIFO inode, whose `special` is the
// pipe itself, so open(2) gives a new end of the very same pipe (bash's process
// substitution opens /dev/fd/63 this way). Nodes are made on first use.
import { SuperBlock, Inode } from './vfs/inode.js';
import { Dentry } from './vfs/dentry.js';
import { Mount, MountNs, Path } from './vfs/mount.js';
import { ENXIO } from '../abi/linux/errno.js';
import { S_IFDIR, S_IFIFO } from '../abi/linux/stat.js';
import { specialOpen } from './vfs/ops.js';
import { Pipe, PipeFile } from './pipe.js';
import { registerCkptState, registerCkptSide } from '../lib/ckptstate.js';

const PIPEFS_MAGIC = 0x50495045;

export class PipeFsInode extends Inode {}

export class PipeFsSb extends SuperBlock {
  readonly fsType = 'pipefs';
  readonly magic = PIPEFS_MAGIC;
  root: Inode;
  constructor() { super(); this.root = new PipeFsInode(this, 1, S_IFDIR | 0o700); }
}

let mnt: Mount | null = null;
const nodes = new WeakMap<object, Path>();
registerCkptState('pipefs.mnt', () => mnt, (v) => { mnt = v as Mount | null; });
registerCkptSide('pipefs.node', (o) => nodes.get(o), (o, v) => { nodes.set(o, v as Path); });

/** The pipefs path of a pipe (one per pipe), for reopening it by a magic link. */
export function pipeFsPath(pipe: { ino: number }, uid: number, gid: number): Path {
  let p = nodes.get(pipe);
  if (p) return p;
  if (!mnt) {
    const sb = new PipeFsSb();
    mnt = new Mount(sb, new Dentry('/', null, sb.root), 0, 'pipefs', 'pipefs', new MountNs());
  }
  const ino = new PipeFsInode(mnt.sb, pipe.ino, S_IFIFO | 0o600);
  ino.uid = uid; ino.gid = gid;
  ino.special = pipe;
  p = { mnt, d: new Dentry(`pipe:[${pipe.ino}]`, mnt.root, ino) };
  nodes.set(pipe, p);
  return p;
}

export function isPipeFsPath(p: Path): boolean { return p.mnt === mnt; }

// Opening a pipefs node never waits for a partner and never fails with ENXIO (Linux's
// fifo_open skips both when is_pipe): the other end may already be closed, as in
// `echo hi | cat /dev/fd/0`. Other FIFOs keep fs/pipe.ts's opener.
const fifoOpen = specialOpen.fifo;
specialOpen.fifo = (p, inode, flags, s) => {
  if (p.mnt === mnt && inode.special instanceof Pipe) return new PipeFile(flags, inode.special, p, inode);
  return fifoOpen ? fifoOpen(p, inode, flags, s) : -ENXIO;
};
