// A socket inode on the host for hostfs (AF_UNIX bind on a hostfs path). Node has no
// mknod(2), but binding a host AF_UNIX socket makes one: listen on a temporary name
// next to the target (or in the host's tmpdir when that name would be too long for
// sun_path), hard-link it to the target, and close the server, which unlinks the
// temporary name. The guest's socket lives in the kernel; the host inode is only its name.
import * as fs from 'node:fs';
import { nodeNet } from '../../lib/nodemods.js';
import * as os from 'node:os';
import * as path from 'node:path';
import { EEXIST, EPERM } from '../../abi/linux/errno.js';
import { S_IFMT, S_IFSOCK } from '../../abi/linux/stat.js';

let seq = 0;

/** null when mode is not S_IFSOCK; else 0 or -errno after making the host socket inode. */
export function mknodSocket(target: Buffer, mode: number, hostErrno: (e: unknown) => number): number | null {
  if ((mode & S_IFMT) !== S_IFSOCK) return null;
  if (fs.lstatSync(target, { throwIfNoEntry: false })) return -EEXIST;
  const tmpName = `.tuml-sock-${process.pid}-${seq++}`;
  let tmp = path.join(path.dirname(target.toString('latin1')), tmpName);
  if (Buffer.byteLength(tmp) > 100) tmp = path.join(os.tmpdir(), tmpName);
  const server = nodeNet().createServer();
  server.on('error', () => {});
  try {
    server.listen(tmp); // binds synchronously (a pipe name needs no lookup)
    if (!fs.lstatSync(tmp, { throwIfNoEntry: false })?.isSocket()) return -EPERM;
    try { fs.linkSync(tmp, target); } catch (e) { return hostErrno(e); }
    try { fs.chmodSync(target, mode & 0o7777); } catch (e) { return hostErrno(e); }
    return 0;
  } catch {
    return -EPERM;
  } finally {
    server.close(); // unlinks tmp
    try { fs.unlinkSync(tmp); } catch { /* already gone */ }
  }
}
