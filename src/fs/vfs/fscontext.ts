// Per-process filesystem context: root, cwd and umask (CLONE_FS shares the object).
import { Path } from './mount.js';
import { newTmpfsRoot } from './bootroot.js';

export class FsContext {
  umask = 0o022;
  root: Path;
  cwd: Path;

  /** Without a root, the context gets a fresh empty tmpfs (useful in tests). */
  constructor(root?: Path, cwd?: Path) {
    this.root = root ?? newTmpfsRoot();
    this.cwd = cwd ?? this.root;
  }

  clone(): FsContext {
    const c = new FsContext(this.root, this.cwd);
    c.umask = this.umask;
    return c;
  }
}
