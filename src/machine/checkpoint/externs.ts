// What a checkpoint refers to by name, resolved in the restoring machine: the kernel and
// physical memory objects, procfs/sysfs, and the terminals on host channels.
import type { Machine } from '../boot.js';
import { fsTypeMount, rootDentry } from '../../fs/vfs/mountops.js';
import type { SuperBlock } from '../../fs/vfs/inode.js';
import { getConsoleTty } from '../../drivers/tty/console.js';
import { lineTty } from '../../drivers/tty/lines.js';
import { ubdByName } from '../../drivers/block/ubd.js';

export function restoreExterns(m: Machine): (name: string) => unknown {
  const fsSb = (type: string): SuperBlock | undefined => {
    const r = fsTypeMount(type)?.('none', 0, '');
    return r === undefined || typeof r === 'number' ? undefined : r;
  };
  return (name) => {
    if (name === 'kernel') return m.kernel;
    if (name === 'mem') return m.kernel.mem;
    let r: RegExpExecArray | null;
    if ((r = /^fs:(proc|sysfs)$/.exec(name))) return fsSb(r[1]);
    if ((r = /^root:(proc|sysfs)$/.exec(name))) { const sb = fsSb(r[1]); return sb ? rootDentry(sb) : undefined; }
    if ((r = /^blk:(ubd[a-z0-9]+)$/.exec(name))) return ubdByName(r[1])?.blk;
    if ((r = /^tty:(.*)$/.exec(name))) {
      const c = getConsoleTty();
      if (c.ttyName === r[1]) return c;
      for (let n = 0; n < 16; n++) {
        for (const kind of ['con', 'ssl'] as const) {
          const t = lineTty(kind, n);
          if (t && t.ttyName === r[1]) return t;
        }
      }
    }
    return undefined;
  };
}
