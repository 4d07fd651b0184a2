// An output-only channel onto a host file descriptor (for example the host's stderr).
import type { CharDev } from '../char/registry.js';
import { EINVAL, EIO } from '../../abi/linux/errno.js';
import { writeFdSync } from './chan.js';

export function hostOutput(fd: number): CharDev {
  return {
    write(buf: Uint8Array): number { return writeFdSync(fd, buf) ? buf.length : -EIO; },
    read(): number { return -EINVAL; },
    poll(): number { return 4; },
  };
}
