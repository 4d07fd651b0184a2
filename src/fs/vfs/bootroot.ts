// A fresh mount namespace whose root is an empty tmpfs (FsContext's default, tests).
import { Dentry } from './dentry.js';
import { Mount, MountNs, Path } from './mount.js';
import { TmpfsSb } from '../tmpfs/tmpfs.js';

export function newTmpfsRoot(fsType = 'tmpfs', source = 'none'): Path {
  const ns = new MountNs();
  const sb = new TmpfsSb(fsType, 0o755);
  const root = new Dentry('/', null, sb.root);
  const m = new Mount(sb, root, 0, source, fsType, ns);
  ns.add(m);
  ns.rootMount = m;
  return { mnt: m, d: root };
}
