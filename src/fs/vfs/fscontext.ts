// Per-process filesystem context: root, cwd, umask (placeholder; the VFS owner replaces it).
export class FsContext {
  umask = 0o022;
  clone(): FsContext { const c = new FsContext(); c.umask = this.umask; return c; }
}
