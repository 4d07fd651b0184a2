// An output-only channel onto a host file descriptor (for example the host's stderr).
import type { CharDev } from '../char/registry.js';
import { EINVAL, EIO } from '../../abi/linux/errno.js';
import { writeFdSync } from './chan.js';

export function hostOutput(fd: number): CharDev { return new HostOutput(fd); }

/** Output to a host fd (a class, so a checkpoint can save it as its fd number). */
export class HostOutput implements CharDev {
  constructor(readonly fd: number) {}
  write(buf: Uint8Array): number { return writeFdSync(this.fd, buf) ? buf.length : -EIO; }
  read(): number { return -EINVAL; }
  poll(): number { return 4; }
}
