// A minimal sysfs: the top-level folders, the CPU topology, and the character devices
// that are registered, laid out the way busybox `mdev -s` scans them:
//   /sys/devices/virtual/<class>/<name>/{dev,uevent}
//   /sys/class/<class>/<name>  -> ../../devices/virtual/<class>/<name>
//   /sys/dev/char/<maj>:<min>  -> ../../devices/virtual/<class>/<name>
import { ENOENT } from '../abi/linux/errno.js';
import type { Inode, DirEntry } from '../fs/vfs/inode.js';
import { DirNode, GenSb, LinkNode, dirEntry } from './nodes.js';
import { presentCharDevices } from './system.js';
import { ubdDevices, UbdDevice, UBD_MAJOR } from '../drivers/block/ubd.js';

export function buildSysfs(sb: GenSb): void {
  const root = sb.root;
  root.mode = (root.mode & ~0o7777) | 0o555;
  for (const n of ['block', 'bus', 'firmware', 'fs', 'kernel', 'module', 'power']) root.dir(n);
  root.dir('fs').dir('cgroup');
  root.dir('kernel').file('uevent_seqnum', () => '0\n');
  const devices = root.dir('devices');
  const cpu = devices.dir('system').dir('cpu');
  for (const f of ['online', 'possible', 'present']) cpu.file(f, () => '0\n');
  cpu.dir('cpu0');
  const virt = devices.dir('virtual');
  const cls = root.dir('class');
  const devChar = root.dir('dev').dir('char');
  buildBlock(sb, root.dir('block'), root.dir('dev').dir('block'));

  // Device nodes appear as drivers register; each one's nodes are built once.
  const nodes = new Map<string, DirNode>();
  const devDir = (d: ReturnType<typeof presentCharDevices>[number]): DirNode => {
    const key = `${d.cls}/${d.name}`;
    let n = nodes.get(key);
    if (!n) {
      n = new DirNode(sb, 0o755);
      n.file('dev', () => `${d.major}:${d.minor}\n`);
      n.file('uevent', () => `MAJOR=${d.major}\nMINOR=${d.minor}\nDEVNAME=${d.name}\n`, 0o644, (b) => b.length);
      // The tty behind /dev/console (busybox cttyhack reads it to get job control).
      if (d.cls === 'tty' && d.name === 'console') n.file('active', () => 'tty0\n');
      nodes.set(key, n);
    }
    return n;
  };
  const classesOf = () => {
    const m = new Map<string, ReturnType<typeof presentCharDevices>>();
    for (const d of presentCharDevices()) {
      if (!m.has(d.cls)) m.set(d.cls, []);
      m.get(d.cls)!.push(d);
    }
    return m;
  };
  const linkTo = (d: { cls: string; name: string }) => `../../devices/virtual/${d.cls}/${d.name}`;
  const classDirs = new Map<string, { v: DirNode; c: DirNode }>();
  const classPair = (name: string): { v: DirNode; c: DirNode } => {
    let p = classDirs.get(name);
    if (!p) {
      const v = new DirNode(sb, 0o755), c = new DirNode(sb, 0o755);
      v.dyn = {
        list: () => (classesOf().get(name) ?? []).map((d) => dirEntry(d.name, devDir(d))),
        lookup: (n) => { const d = (classesOf().get(name) ?? []).find((x) => x.name === n); return d ? devDir(d) : -ENOENT; },
      };
      const links = new Map<string, Inode>();
      const linkFor = (d: { cls: string; name: string }): Inode => {
        let l = links.get(d.name);
        if (!l) { l = new LinkNode(sb, () => linkTo(d)); links.set(d.name, l); }
        return l;
      };
      c.dyn = {
        list: () => (classesOf().get(name) ?? []).map((d) => dirEntry(d.name, linkFor(d))),
        lookup: (n) => { const d = (classesOf().get(name) ?? []).find((x) => x.name === n); return d ? linkFor(d) : -ENOENT; },
      };
      p = { v, c };
      classDirs.set(name, p);
    }
    return p;
  };
  virt.dyn = {
    list: (): DirEntry[] => [...classesOf().keys()].map((n) => dirEntry(n, classPair(n).v)),
    lookup: (n) => (classesOf().has(n) ? classPair(n).v : -ENOENT),
  };
  cls.dyn = {
    list: (): DirEntry[] => [...classesOf().keys()].map((n) => dirEntry(n, classPair(n).c)),
    lookup: (n) => (classesOf().has(n) ? classPair(n).c : -ENOENT),
  };
  const charLinks = new Map<string, Inode>();
  const charLink = (d: { major: number; minor: number; cls: string; name: string }): Inode => {
    const key = `${d.major}:${d.minor}`;
    let l = charLinks.get(key);
    if (!l) { l = new LinkNode(sb, () => linkTo(d)); charLinks.set(key, l); }
    return l;
  };
  devChar.dyn = {
    list: () => presentCharDevices().map((d) => dirEntry(`${d.major}:${d.minor}`, charLink(d))),
    lookup: (n) => { const d = presentCharDevices().find((x) => `${x.major}:${x.minor}` === n); return d ? charLink(d) : -ENOENT; },
  };
}

/**
 * The ubd disks: /sys/block/<name>/{dev,size,ro,removable,range,queue/...} (size in
 * 512-byte sectors; queue figures as UML's ubd gives them, discard_max_bytes 0 with the
 * `t` flag) and /sys/dev/block/98:<minor> -> ../../block/<name>.
 */
function buildBlock(sb: GenSb, block: DirNode, devBlock: DirNode): void {
  const nodes = new Map<UbdDevice, DirNode>();
  const nodeOf = (d: UbdDevice): DirNode => {
    let n = nodes.get(d);
    if (!n) {
      n = new DirNode(sb, 0o755);
      n.file('dev', () => `${UBD_MAJOR}:${d.minor}\n`);
      n.file('size', () => `${d.blk.size / 512}\n`);
      n.file('ro', () => (d.readonly ? '1\n' : '0\n'));
      n.file('removable', () => '0\n');
      n.file('range', () => '16\n');
      n.file('uevent', () => `MAJOR=${UBD_MAJOR}\nMINOR=${d.minor}\nDEVNAME=${d.name}\nDEVTYPE=disk\n`);
      const q = n.dir('queue', 0o755);
      for (const f of ['logical_block_size', 'physical_block_size', 'hw_sector_size', 'minimum_io_size']) q.file(f, () => '512\n');
      q.file('optimal_io_size', () => '0\n');
      q.file('rotational', () => '0\n');
      q.file('discard_granularity', () => (d.blk.noTrim ? '0\n' : '512\n'));
      q.file('discard_max_bytes', () => (d.blk.noTrim ? '0\n' : '32768\n'));
      q.file('read_ahead_kb', () => '128\n');
      nodes.set(d, n);
    }
    return n;
  };
  const links = new Map<string, Inode>();
  const linkOf = (d: UbdDevice): Inode => {
    let l = links.get(d.name);
    if (!l) { l = new LinkNode(sb, () => `../../block/${d.name}`); links.set(d.name, l); }
    return l;
  };
  block.dyn = {
    list: () => ubdDevices().map((d) => dirEntry(d.name, nodeOf(d))),
    lookup: (n) => { const d = ubdDevices().find((x) => x.name === n); return d ? nodeOf(d) : -ENOENT; },
  };
  devBlock.dyn = {
    list: () => ubdDevices().map((d) => dirEntry(`${UBD_MAJOR}:${d.minor}`, linkOf(d))),
    lookup: (n) => { const d = ubdDevices().find((x) => `${UBD_MAJOR}:${x.minor}` === n); return d ? linkOf(d) : -ENOENT; },
  };
}
