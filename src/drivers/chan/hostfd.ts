// An output-only channel onto a host file descriptor (for example the host's stderr).
import { writeSync } from 'node:fs';
import type { CharDev } from '../char/registry.js';
import { EINVAL } from '../../abi/linux/errno.js';

export function hostOutput(fd: number): CharDev {
  return {
    write(buf: Uint8Array): number {
      let off = 0;
      while (off < buf.length) {
        try { off += writeSync(fd, buf, off, buf.length - off); }
        catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return off > 0 ? off : buf.length; }
      }
      return buf.length;
    },
    read(): number { return -EINVAL; },
    poll(): number { return 4; },
  };
}
