// File descriptor table (placeholder; the VFS owner replaces it).
export class FdTable {
  clone(): FdTable { return new FdTable(); }
  closeOnExec(): void {}
  closeAll(): void {}
}
