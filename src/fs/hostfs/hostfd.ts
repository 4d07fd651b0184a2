// Host fds of a hostfs inode's open files. Read-only opens share one host fd, as Linux's
// hostfs keeps one fd per inode; when the last of them closes the fd is parked in a
// small machine-wide LRU instead of being closed, so that the next open of the same file
// (a shell loop exec'ing /bin/true over and over) costs no host open()/close(). A parked
// fd is reused only while the inode's ctime is the one it had when the fd was opened
// (the path walk has just revalidated the inode, so a file replaced on the host, or
// changed, gets a fresh fd).
import * as fs from 'node:fs';
import type { File } from '../vfs/file.js';

/**
 * Parked read-only fds kept open at most (each is one host fd; a file deleted while
 * parked keeps its host storage until its fd is pushed out).
 */
const MAX_PARKED = 16;

export class HostFds {
  /** The host fd of each open file. */
  readonly byFile = new Map<File, number>();
  /** The shared read-only fd (-1: none), its open files, and the ctime it was opened at. */
  ro = -1;
  roUsers = 0;
  roCs = 0;
  roCns = 0;

  /** Any fd of a live open file, or -1 (attributes are read through it). */
  any(): number {
    if (this.roUsers > 0) return this.ro;
    for (const fd of this.byFile.values()) return fd;
    return -1;
  }

  /**
   * Open file read-only on the shared fd if there is one (a parked one only while the
   * file's ctime is unchanged); false: the caller opens a host fd and calls addRo.
   */
  shareRo(file: File, cs: number, cns: number): boolean {
    if (this.ro >= 0 && this.roUsers === 0) {
      unpark(this);
      if (this.roCs !== cs || this.roCns !== cns) { closeQuiet(this.ro); this.ro = -1; }
    }
    if (this.ro < 0) return false;
    this.roUsers++;
    this.byFile.set(file, this.ro);
    return true;
  }

  /** fd (just opened read-only, at ctime cs.cns) becomes the shared fd, file its first user. */
  addRo(file: File, fd: number, cs: number, cns: number): void {
    this.ro = fd; this.roCs = cs; this.roCns = cns;
    this.roUsers = 1;
    this.byFile.set(file, fd);
  }

  /** file is closed: its fd is closed, or, the last user of the shared one, parked. */
  release(file: File, keep: boolean): void {
    const fd = this.byFile.get(file);
    if (fd === undefined) return;
    this.byFile.delete(file);
    if (fd !== this.ro) { closeQuiet(fd); return; }
    if (--this.roUsers > 0) return;
    if (keep) park(this);
    else { closeQuiet(this.ro); this.ro = -1; }
  }

  /** Close a parked fd (the filesystem goes away). */
  drop(): void {
    if (this.ro < 0 || this.roUsers > 0) return;
    unpark(this);
    closeQuiet(this.ro);
    this.ro = -1;
  }
}

function closeQuiet(fd: number): void {
  try { fs.closeSync(fd); } catch { /* ignore */ }
}

/** Least recently parked first. */
const parked: HostFds[] = [];

function park(h: HostFds): void {
  parked.push(h);
  if (parked.length > MAX_PARKED) {
    const old = parked.shift()!;
    closeQuiet(old.ro);
    old.ro = -1;
  }
}

function unpark(h: HostFds): void {
  const i = parked.indexOf(h);
  if (i >= 0) parked.splice(i, 1);
}
