// ext2/ext3/ext4 as mountable types on ubd devices, and the root filesystem on a block
// device (root=/dev/ubda).
import { ENXIO, ENOTBLK } from '../../abi/linux/errno.js';
import { MS_RDONLY } from '../../abi/linux/fs.js';
import { major, minor, makedev } from '../../abi/linux/stat.js';
import { registerFsType } from '../vfs/mountops.js';
import { Dentry } from '../vfs/dentry.js';
import { Mount, MountNs, Path } from '../vfs/mount.js';
import { FsContext } from '../vfs/fscontext.js';
import { ubdByMinor, ubdByName, UBD_MAJOR, UbdDevice } from '../../drivers/block/ubd.js';
import { Ext2Sb, ext2Mount, Ext2MountError } from './ext2.js';

export { Ext2Sb, syncAllExt2 } from './ext2.js';

/** Diagnostics of the last failed mount (the kernel log shows them). */
export let lastMountError = '';

function deviceOf(source: string, blockDev: number | undefined): UbdDevice | number {
  if (blockDev !== undefined) {
    if (major(blockDev) !== UBD_MAJOR) return -ENXIO;
    return ubdByMinor(minor(blockDev)) ?? -ENXIO;
  }
  const d = ubdByName(source);
  return d ?? (source.startsWith('/dev/') ? -ENXIO : -ENOTBLK);
}

function mountOn(d: UbdDevice, fsType: string, ro: boolean): Ext2Sb | number {
  try {
    return ext2Mount(d.blk, d.name, fsType, ro, makedev(UBD_MAJOR, d.minor));
  } catch (e) {
    if (e instanceof Ext2MountError) { lastMountError = e.message; return -e.errno; }
    throw e;
  }
}

for (const t of ['ext2', 'ext3', 'ext4']) {
  registerFsType(t, (source, flags, _data, blockDev) => {
    const d = deviceOf(source, blockDev);
    if (typeof d === 'number') return d;
    return mountOn(d, t, (flags & MS_RDONLY) !== 0);
  });
}

/**
 * The root filesystem from a ubd device: a context whose root is the mount, or an error
 * line. ext3/ext4 images are mounted read-only (with a note in `notes`).
 */
export function mountRootBlock(dev: string, readonly: boolean, fstype: string | null, notes: string[]): FsContext | string {
  const d = ubdByName(dev);
  if (!d) return `VFS: Cannot open root device "${dev}": no such ubd device (give ubd0=IMAGE)`;
  let ro = readonly || d.readonly;
  let sb: Ext2Sb;
  const type = fstype && fstype !== 'ext2' && fstype !== 'ext3' && fstype !== 'ext4' ? null : fstype;
  if (fstype && type === null) return `VFS: rootfstype=${fstype} is not supported on ${dev} (ext2, ext3, ext4)`;
  try {
    sb = ext2Mount(d.blk, d.name, type ?? 'auto', ro, makedev(UBD_MAJOR, d.minor));
  } catch (e) {
    if (!(e instanceof Ext2MountError)) throw e;
    if (e.errno !== 30 /* EROFS */) return `VFS: Cannot mount root fs on ${dev}: ${e.message}`;
    notes.push(`${dev}: ext3/ext4 features: mounting the root read-only`);
    ro = true;
    try { sb = ext2Mount(d.blk, d.name, type ?? 'auto', true, makedev(UBD_MAJOR, d.minor)); } catch (e2) {
      return `VFS: Cannot mount root fs on ${dev}: ${(e2 as Error).message}`;
    }
  }
  const fsType = sb.fsType;
  notes.push(`VFS: Mounted root (${fsType} filesystem) ${ro ? 'readonly' : 'read-write'} on device ${UBD_MAJOR}:${d.minor}.`);
  const ns = new MountNs();
  const root = new Dentry('/', null, sb.root);
  const m = new Mount(sb, root, ro ? MS_RDONLY : 0, '/dev/root', fsType, ns);
  ns.add(m);
  ns.rootMount = m;
  const p: Path = { mnt: m, d: root };
  return new FsContext(p, p);
}
