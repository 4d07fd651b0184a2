// Checkpoint registrations of the VFS and the in-memory filesystems: mounts, dentries,
// tmpfs/initramfs/devtmpfs/devpts trees with their contents, fd tables, open file
// descriptions (offsets, flags), pipes with their buffered data, page caches and file
// mappings, epoll, eventfd, signalfd, pidfd, timerfd and memfd. procfs and sysfs are the
// fresh machine's (their contents are views of kernel state): a mount of them is saved
// by name; an open file or cwd inside them refuses the checkpoint.
import { registerClass } from './graph.js';
import { Dentry } from '../../fs/vfs/dentry.js';
import { Mount, MountNs } from '../../fs/vfs/mount.js';
import { FsContext, trackFsContext } from '../../fs/vfs/fscontext.js';
import { FdTable } from '../../fs/vfs/fdtable.js';
import { InodeFile } from '../../fs/vfs/file.js';
import { DevFile } from '../../fs/vfs/devfile.js';
import { TmpfsSb, TmpInode } from '../../fs/tmpfs/tmpfs.js';
import { DevptsSb } from '../../fs/devpts/devpts.js';
import { PipeFsInode, PipeFsSb } from '../../fs/pipefs.js';
import { Pipe, PipeFile } from '../../fs/pipe.js';
import { PageCache, CacheBacking, trackPageCache } from '../../fs/pagecache.js';
import { CopyBacking } from '../../kernel/filemap.js';
import { EpItem, EventPollFile } from '../../fs/epoll.js';
import { EventFdFile } from '../../fs/eventfd.js';
import { SignalFdFile } from '../../kernel/signalfd.js';
import { PidFdFile } from '../../kernel/pidfd.js';
import { TimerFdFile } from '../../kernel/timerfd.js';
import { InotifyFile } from '../../fs/inotify.js';
import { MemFdFile } from '../../syscalls/sys_xattr.js';
import { GenSb, GenFile, DirNode, LinkNode } from '../../proc/nodes.js';
import { findCharDevice } from '../../drivers/char/registry.js';
import { major, minor } from '../../abi/linux/stat.js';
import { CkptError } from './graph.js';
import { statSync } from 'node:fs';
import { LockState } from '../../fs/locks.js';
import { HostSb, HostInode } from '../../fs/hostfs/hostfs.js';
import { HostFds } from '../../fs/hostfs/hostfd.js';
import { Ext2Sb, Ext2Inode } from '../../fs/ext2/ext2.js';
import { BlockDevice } from '../../drivers/block/blkdev.js';
import { ubdDevices } from '../../drivers/block/ubd.js';

const plain = [['Mount', Mount], ['MountNs', MountNs], ['FdTable', FdTable],
  ['InodeFile', InodeFile], ['TmpfsSb', TmpfsSb], ['TmpInode', TmpInode], ['DevptsSb', DevptsSb],
  ['PipeFsInode', PipeFsInode], ['PipeFsSb', PipeFsSb], ['Pipe', Pipe], ['PipeFile', PipeFile],
  ['CacheBacking', CacheBacking], ['CopyBacking', CopyBacking], ['EpItem', EpItem],
  ['EventPollFile', EventPollFile], ['EventFdFile', EventFdFile], ['SignalFdFile', SignalFdFile],
  ['PidFdFile', PidFdFile], ['MemFdFile', MemFdFile]] as const;
for (const [name, ctor] of plain) registerClass({ name, ctor });

registerClass({ name: 'LockState', ctor: LockState });
registerClass({ name: 'FsContext', ctor: FsContext, init: (c: FsContext) => trackFsContext(c) });
registerClass({ name: 'PageCache', ctor: PageCache, init: (c: PageCache) => trackPageCache(c) });

registerClass({
  name: 'TimerFdFile', ctor: TimerFdFile,
  skip: ['timer'], // re-armed from the saved timer list
  init: (f: TimerFdFile) => { (f as unknown as { timer: null }).timer = null; },
});

registerClass({ name: 'InotifyFile', ctor: InotifyFile }); // its watches: fsnotify's side table

// procfs and sysfs: the fresh machine's superblock and root; nothing below them is saved.
registerClass({ name: 'GenSb', ctor: GenSb, extern: (sb: GenSb) => `fs:${sb.fsType}` });
for (const [name, ctor] of [['GenFile', GenFile], ['DirNode', DirNode], ['LinkNode', LinkNode]] as const) {
  registerClass({ name, ctor, refuse: () => 'a file, directory or cwd inside /proc or /sys is in use (not checkpointable)' });
}
// Dentry roots of procfs/sysfs are the fresh machine's (their child caches are views).
registerClass({
  name: 'Dentry', ctor: Dentry,
  extern: (d: Dentry) => (d.inode.sb instanceof GenSb && d.isRoot ? `root:${d.inode.sb.fsType}` : null),
});

// A character device without state of its own (/dev/null, /dev/urandom …) is opened
// again from its device number; terminals and pty masters are saved as objects.
registerClass({
  name: 'DevFile', ctor: DevFile,
  fields: {
    dev: {
      save: (dev: object, f: DevFile) => {
        if (dev !== null && typeof dev === 'object' && Object.getPrototypeOf(dev) !== Object.prototype) return dev;
        if (!f.inode) throw new CkptError('a device file without a device number');
        return { reopen: f.inode.rdev, flags: f.flags };
      },
      load: (d: { reopen?: number; flags?: number } | object, f: DevFile) => {
        if (!('reopen' in d) || typeof d.reopen !== 'number') return d;
        const open = findCharDevice(major(d.reopen), minor(d.reopen));
        const r = open ? open(minor(d.reopen), d.flags ?? f.flags) : -1;
        if (typeof r === 'number') throw new CkptError(`device ${major(d.reopen)}:${minor(d.reopen)} cannot be opened on this machine`);
        return r;
      },
    },
  },
});

// hostfs: the host directory is used in place. Host fds of open files are opened again
// by path after restore (reopenHostFiles); a file with no host name cannot be. Host
// watches (hostwatch.ts) are this process's: not saved, and every file is checked again.
registerClass({
  name: 'HostSb', ctor: HostSb,
  skip: ['hw'],
  init: (sb: HostSb) => {
    let dir = false;
    try { dir = statSync(sb.hostRoot).isDirectory(); } catch { /* gone */ }
    if (!dir) throw new CkptError(`the hostfs directory ${sb.hostDir} is missing`);
  },
});
registerClass({
  name: 'HostInode', ctor: HostInode,
  skip: ['fds', 'wd', 'fresh', 'neg', 'negEpoch'],
  refuse: (i: HostInode) => (i.tmpHost ? 'an unnamed (O_TMPFILE) hostfs file is open (not checkpointable)' : null),
  init: (i: HostInode) => {
    (i as unknown as { fds: HostFds }).fds = new HostFds();
    i.wd = -1; i.fresh = -1; i.neg = null; i.negEpoch = -1;
  },
});

// ext2/3/4 on a ubd device: the filesystem's in-memory state is saved (its metadata was
// written and the device flushed first); the device itself is the restoring machine's.
registerClass({ name: 'Ext2Sb', ctor: Ext2Sb });
registerClass({ name: 'Ext2Inode', ctor: Ext2Inode });
registerClass({
  name: 'BlockDevice', ctor: BlockDevice,
  extern: (b: BlockDevice) => {
    const u = ubdDevices().find((d) => d.blk === b);
    if (!u) throw new CkptError(`block device ${b.name} is not a ubd device`);
    return `blk:${u.name}`;
  },
});
