// devpts: the filesystem of pty slaves, mounted on /dev/pts. One instance (Linux's
// single-instance mode): /dev/pts/ptmx (5,2, mode 000 as Linux's default ptmxmode) and
// a node N (136,N) for every open pty master, made when /dev/ptmx is opened and removed
// when the master closes (drivers/tty/pty.ts tells us through setPtsNodes).
// Mount options: mode= (of new slaves, default 0600) and gid= (default the opener's: 0).
import { DEVPTS_SUPER_MAGIC } from '../../abi/linux/fs.js';
import { S_IFCHR, makedev } from '../../abi/linux/stat.js';
import { ROOT_CRED, StatFs } from '../vfs/inode.js';
import { TmpfsSb } from '../tmpfs/tmpfs.js';
import { registerFsType } from '../vfs/mountops.js';
import { PTMX_MAJOR, PTMX_MINOR, PTS_MAJOR, registerPtyDevices, setPtsNodes } from '../../drivers/tty/pty.js';
import { registerCkptState } from '../../lib/ckptstate.js';

export class DevptsSb extends TmpfsSb {
  override readonly magic = DEVPTS_SUPER_MAGIC;
  mode = 0o600;
  gid = 0;
  constructor() {
    super('devpts', 0o755);
    const r = this.root.mknod('ptmx', S_IFCHR, makedev(PTMX_MAJOR, PTMX_MINOR), ROOT_CRED);
    if (typeof r !== 'number') r.mode = S_IFCHR;
  }
  override statfs(): StatFs {
    return { type: DEVPTS_SUPER_MAGIC, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255 };
  }
  override options(): string {
    return `gid=${this.gid},mode=${this.mode.toString(8).padStart(3, '0')},ptmxmode=000`;
  }
  addPts(i: number): void {
    const r = this.root.mknod(String(i), S_IFCHR | this.mode, makedev(PTS_MAJOR, i), ROOT_CRED);
    if (typeof r !== 'number') { r.mode = S_IFCHR | this.mode; r.gid = this.gid; }
  }
  removePts(i: number): void {
    const name = String(i);
    const ino = this.root.lookup(name);
    if (typeof ino !== 'number') this.root.unlink(name, ino);
  }
}

let sb: DevptsSb | null = null;
registerCkptState('devpts.sb', () => sb, (v) => { sb = v as DevptsSb | null; });
function devptsSb(): DevptsSb {
  if (!sb) sb = new DevptsSb();
  return sb;
}

registerPtyDevices();
setPtsNodes({ add: (i) => devptsSb().addPts(i), remove: (i) => devptsSb().removePts(i) });
registerFsType('devpts', (_source, _flags, data) => {
  const s = devptsSb();
  for (const opt of data.split(',')) {
    let m: RegExpExecArray | null;
    if ((m = /^mode=([0-7]+)$/.exec(opt))) s.mode = parseInt(m[1], 8) & 0o777;
    else if ((m = /^gid=(\d+)$/.exec(opt))) s.gid = Number(m[1]);
  }
  return s;
});
