// File data left in a host image file until it is first written: the files of an
// uncompressed initramfs are not copied into host memory at boot; the guest's reads
// fetch what they need (exec and mmap into its page cache). The image must not change
// while a machine uses it, as UML's images must not: a changed size or mtime makes its
// reads fail with EIO. Images are opened by path at first use, so a checkpoint keeps
// the path (a plain object) and a restored machine reads the same file.
import * as fs from 'node:fs';
import { EIO } from '../../abi/linux/errno.js';

/** An image file as it was when the machine unpacked it. */
export interface HostImage { readonly path: string; readonly size: number; readonly mtimeMs: number; }

/** An image opened by openImage: its fd serves the unpack's reads of its headers. */
export interface OpenImage { readonly image: HostImage; readonly fd: number; }

/** A file's data: `off` into `image`. */
export interface ImageRange { readonly image: HostImage; readonly off: number; }

const fds = new Map<string, number>(); // path -> fd, or -EIO once found changed or gone
/** node:fs reads into unshared memory only; reads into guest memory go through here. */
const stage = new Uint8Array(65536);

/** Open an image (throws the host's error) and record its size and mtime. */
export function openImage(path: string): OpenImage {
  const fd = fs.openSync(path, 'r');
  const st = fs.fstatSync(fd);
  const old = fds.get(path);
  if (old !== undefined && old >= 0) fs.closeSync(old);
  fds.set(path, fd);
  return { image: { path, size: st.size, mtimeMs: st.mtimeMs }, fd };
}

function imageFd(img: HostImage): number {
  let fd = fds.get(img.path);
  if (fd !== undefined) return fd;
  try {
    fd = fs.openSync(img.path, 'r');
    const st = fs.fstatSync(fd);
    if (st.size !== img.size || st.mtimeMs !== img.mtimeMs) { fs.closeSync(fd); fd = -EIO; }
  } catch { fd = -EIO; }
  fds.set(img.path, fd);
  return fd;
}

/** Fill buf from the image at offset `off`: buf.length, or -EIO. */
export function readImage(img: HostImage, off: number, buf: Uint8Array): number {
  const fd = imageFd(img);
  if (fd < 0) return fd;
  const direct = !(buf.buffer instanceof SharedArrayBuffer);
  let done = 0;
  try {
    while (done < buf.length) {
      const want = Math.min(buf.length - done, direct ? buf.length : stage.length);
      const n = direct ? fs.readSync(fd, buf, done, want, off + done) : fs.readSync(fd, stage, 0, want, off + done);
      if (n <= 0) return -EIO; // the image got shorter
      if (!direct) buf.set(stage.subarray(0, n), done);
      done += n;
    }
  } catch { return -EIO; }
  return done;
}
