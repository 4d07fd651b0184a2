// struct iovec arrays in user memory ({u64 base, u64 len}, 16 bytes each), read once with
// Linux's checks, and the copies between such a vector and one kernel buffer. Used by
// readv/writev, sendmsg/recvmsg, vmsplice, process_vm_* and AIO's PREADV/PWRITEV.
import type { Task } from '../kernel/task.js';
import { readI64, copyIn, copyOut } from '../mm/usercopy.js';
import { EINVAL } from '../abi/linux/errno.js';
import { MAX_RW_COUNT, UIO_MAXIOV } from '../abi/linux/fs.js';

/** [base, len] pairs. */
export type Iovec = [number, number][];

/**
 * The cnt iovecs at va, or an error: `tooMany` (readv: EINVAL, sendmsg: EMSGSIZE) when cnt
 * is outside 0..UIO_MAXIOV, EINVAL for a negative length or a total above `max`.
 */
export function readIov(t: Task, va: number, cnt: number, tooMany = -EINVAL, max = MAX_RW_COUNT): Iovec | number {
  if (cnt < 0 || cnt > UIO_MAXIOV) return tooMany;
  const out: Iovec = [];
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const base = readI64(t.mm, va + i * 16), len = readI64(t.mm, va + i * 16 + 8);
    if (len < 0) return -EINVAL;
    total += len;
    if (total > max) return -EINVAL;
    out.push([base, len]);
  }
  return out;
}

/** The vector's total length. */
export function iovTotal(v: Iovec): number {
  let s = 0;
  for (const x of v) s += x[1];
  return s;
}

/** Copy the vector's first n bytes (all of them by default) into a new buffer. */
export function gather(t: Task, v: Iovec, n = iovTotal(v)): Uint8Array {
  const buf = new Uint8Array(n);
  let off = 0;
  for (const [base, len] of v) {
    if (off >= n) break;
    const k = Math.min(len, n - off);
    if (k) copyIn(t.mm, base, buf, off, k);
    off += k;
  }
  return buf;
}

/** Copy the first n bytes of data out over the vector, in order. */
export function scatter(t: Task, v: Iovec, data: Uint8Array, n = data.length): void {
  let off = 0;
  for (const [base, len] of v) {
    if (off >= n) break;
    const k = Math.min(len, n - off);
    copyOut(t.mm, base, data, off, k);
    off += k;
  }
}
