// procfs and sysfs: views of live kernel state. The boot code calls registerProcFs once
// (after creating the Kernel); `mount -t proc proc /proc` and `mount -t sysfs sysfs /sys`
// then work through the VFS's filesystem-type registry.
import { PROC_SUPER_MAGIC, SYSFS_MAGIC } from '../abi/linux/fs.js';
import { registerFsType, fsTypeNames } from '../fs/vfs/mountops.js';
import type { Kernel } from '../kernel/kernel.js';
import { GenSb } from './nodes.js';
import { buildProc, ProcOptions } from './system.js';
import { buildSysfs } from './sysfs.js';

export type { ProcOptions } from './system.js';
export { sampleLoad } from './system.js';
export { FdLink } from './pid.js';

/** Filesystem types that need no block device (everything we have but ext2). */
const BLOCK_FS = new Set(['ext2', 'ext3', 'ext4', 'vfat', 'iso9660']);

/** A procfs superblock for kernel k (one per kernel, shared by every mount, as Linux does per pid namespace). */
export function createProcSb(k: Kernel, opts: ProcOptions = {}): GenSb {
  const sb = new GenSb('proc', PROC_SUPER_MAGIC, k);
  buildProc(sb, opts);
  return sb;
}

export function createSysfsSb(k: Kernel): GenSb {
  const sb = new GenSb('sysfs', SYSFS_MAGIC, k);
  buildSysfs(sb);
  return sb;
}

/**
 * Register the "proc" and "sysfs" filesystem types for kernel k. Call once at boot,
 * after the Kernel exists. opts.cmdline fills /proc/cmdline; opts.current tells /proc/self
 * which task is making the system call (default: `kernel.current`).
 */
export function registerProcFs(k: Kernel, opts: ProcOptions = {}): void {
  const o: ProcOptions = {
    filesystems: () => fsTypeNames().map((name) => ({ name, nodev: !BLOCK_FS.has(name) })),
    ...opts,
  };
  let proc: GenSb | null = null;
  let sys: GenSb | null = null;
  registerFsType('proc', () => (proc ??= createProcSb(k, o)));
  registerFsType('sysfs', () => (sys ??= createSysfsSb(k)));
}
