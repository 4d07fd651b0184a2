// What the kernel and the machine need from the filesystem layer.
import { Dentry } from './vfs/dentry.js';
import { Mount, MountNs, Path } from './vfs/mount.js';
import { FsContext } from './vfs/fscontext.js';
import { FdTable } from './vfs/fdtable.js';
import { DevFile } from './vfs/devfile.js';
import { File } from './vfs/file.js';
import { O_RDWR } from '../abi/linux/fcntl.js';
import { MS_RDONLY } from '../abi/linux/fs.js';
import { newHostSb } from './hostfs/hostfs.js';
import { registerMemDevices } from '../drivers/char/mem.js';
import type { CharDev } from '../drivers/char/registry.js';

export type { FsCred } from './vfs/inode.js';
export { setFsClock } from './vfs/inode.js';
export { openExec, openExecPath } from './vfs/ops.js';
export type { ExecFile } from './vfs/ops.js';
export { FsContext } from './vfs/fscontext.js';
export { FdTable } from './vfs/fdtable.js';
export { File } from './vfs/file.js';
export type { Path } from './vfs/mount.js';
export { pathName } from './vfs/mount.js';
export { registerCharDevice } from '../drivers/char/registry.js';
export type { CharDev, CharOpen, Sleeper } from '../drivers/char/registry.js';

registerMemDevices();

/** A context whose root is the mount `m` (a fresh namespace). */
export function contextForRoot(m: Mount): FsContext {
  const root: Path = { mnt: m, d: m.root };
  return new FsContext(root, root);
}

/** Mount a host folder as the root filesystem; a one-line error string on failure. */
export function mountRootHostfs(hostDir: string, readonly: boolean): FsContext | string {
  const sb = newHostSb(hostDir, readonly);
  if (typeof sb === 'string') return sb;
  const ns = new MountNs();
  const root = new Dentry('/', null, sb.root);
  const m = new Mount(sb, root, readonly ? MS_RDONLY : 0, '/dev/root', 'hostfs', ns);
  ns.add(m);
  ns.rootMount = m;
  return contextForRoot(m);
}

/** A File for a host channel or driver (not reachable by path). */
export function openChannel(dev: CharDev, flags = O_RDWR): File {
  return new DevFile(flags, null, null, dev);
}

/** Put one console open file description on fds 0, 1 and 2 (as Linux's init gets). */
export function installStdio(files: FdTable, console: CharDev): void {
  const f = openChannel(console, O_RDWR);
  for (let fd = 0; fd < 3; fd++) files.installAt(fd, f, false);
}

// ---- phase 2: tmpfs/initramfs roots, mounts, pipes -----------------------------------
import { TmpfsSb } from './tmpfs/tmpfs.js';
import { unpackCpio } from './initramfs/cpio.js';
import type { OpenImage } from './tmpfs/imagedata.js';
import './pipe.js';
import './devpts/devpts.js';
import './mqueue.js';
export { registerFsType, addDeviceNode, mountDevtmpfs, mountsText, doMount, doUmount, doPivotRoot } from './vfs/mountops.js';
export type { MountFn } from './vfs/mountops.js';
export { specialOpen } from './vfs/ops.js';
export { makePipe, PipeFile, Pipe } from './pipe.js';
export { Inode, SuperBlock } from './vfs/inode.js';
export { Dentry } from './vfs/dentry.js';
export { Mount, MountNs } from './vfs/mount.js';

/** A root filesystem (rootfs, a tmpfs) filled from an initramfs cpio archive: bytes, or
 *  an image file whose regular files stay there until written (tmpfs/imagedata.ts). */
export function mountRootInitramfs(cpio: Uint8Array | OpenImage): FsContext | string {
  const ns = new MountNs();
  const sb = new TmpfsSb('rootfs', 0o755);
  const root = new Dentry('/', null, sb.root);
  const m = new Mount(sb, root, 0, 'rootfs', 'rootfs', ns);
  ns.add(m);
  ns.rootMount = m;
  const ctx = contextForRoot(m);
  const err = unpackCpio(ctx, cpio);
  return err ?? ctx;
}
