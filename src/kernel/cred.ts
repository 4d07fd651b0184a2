// Process credentials: real, effective, saved and filesystem ids, plus groups.
export class Cred {
  uid = 0; euid = 0; suid = 0; fsuid = 0;
  gid = 0; egid = 0; sgid = 0; fsgid = 0;
  groups: number[] = [];
  clone(): Cred {
    const c = new Cred();
    c.uid = this.uid; c.euid = this.euid; c.suid = this.suid; c.fsuid = this.fsuid;
    c.gid = this.gid; c.egid = this.egid; c.sgid = this.sgid; c.fsgid = this.fsgid;
    c.groups = this.groups.slice();
    return c;
  }
}
