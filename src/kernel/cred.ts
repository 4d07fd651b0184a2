// Process credentials: real, effective, saved and filesystem ids, plus groups, and
// Linux's rules for changing them (kernel/sys.c, kernel/groups.c).
//
// Capabilities are approximated: a task whose effective uid is 0 holds them all
// (CAP_SETUID, CAP_SETGID, CAP_DAC_OVERRIDE, CAP_FOWNER ...), any other holds none.
// That is what Linux's cap_emulate_setxuid gives a process that never calls capset.
import { EINVAL, EPERM } from '../abi/linux/errno.js';

/** NGROUPS_MAX (linux/limits.h). */
export const NGROUPS_MAX = 65536;
/** (uid_t)-1: "leave unchanged" for set*id; invalid as an id. */
const KEEP = 0xffffffff;

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

  /** Does the task hold the capabilities (CAP_SETUID, CAP_SETGID ...)? */
  get privileged(): boolean { return this.euid === 0; }

  // ---- uids -------------------------------------------------------------------------
  setuid(uid: number): number {
    uid >>>= 0;
    if (uid === KEEP) return -EINVAL;
    if (this.privileged) { this.uid = this.suid = uid; }
    else if (uid !== this.uid && uid !== this.suid) return -EPERM;
    this.euid = this.fsuid = uid;
    return 0;
  }

  setreuid(ruid: number, euid: number): number {
    ruid >>>= 0; euid >>>= 0;
    const oldR = this.uid, oldE = this.euid, oldS = this.suid;
    const nr = ruid === KEEP ? oldR : ruid, ne = euid === KEEP ? oldE : euid;
    if (!this.privileged) {
      if (ruid !== KEEP && ruid !== oldR && ruid !== oldE) return -EPERM;
      if (euid !== KEEP && euid !== oldR && euid !== oldE && euid !== oldS) return -EPERM;
    }
    this.uid = nr; this.euid = this.fsuid = ne;
    if (ruid !== KEEP || (euid !== KEEP && ne !== oldR)) this.suid = ne;
    return 0;
  }

  setresuid(ruid: number, euid: number, suid: number): number {
    ruid >>>= 0; euid >>>= 0; suid >>>= 0;
    if (!this.privileged) {
      const ok = (v: number) => v === KEEP || v === this.uid || v === this.euid || v === this.suid;
      if (!ok(ruid) || !ok(euid) || !ok(suid)) return -EPERM;
    }
    if (ruid !== KEEP) this.uid = ruid;
    if (euid !== KEEP) this.euid = euid;
    if (suid !== KEEP) this.suid = suid;
    this.fsuid = this.euid;
    return 0;
  }

  /** setfsuid: always returns the old fsuid; changes it when allowed. */
  setfsuid(fsuid: number): number {
    fsuid >>>= 0;
    const old = this.fsuid;
    if (fsuid === KEEP) return old;
    if (this.privileged || fsuid === this.uid || fsuid === this.euid || fsuid === this.suid || fsuid === this.fsuid) {
      this.fsuid = fsuid;
    }
    return old;
  }

  // ---- gids -------------------------------------------------------------------------
  setgid(gid: number): number {
    gid >>>= 0;
    if (gid === KEEP) return -EINVAL;
    if (this.privileged) { this.gid = this.sgid = gid; }
    else if (gid !== this.gid && gid !== this.sgid) return -EPERM;
    this.egid = this.fsgid = gid;
    return 0;
  }

  setregid(rgid: number, egid: number): number {
    rgid >>>= 0; egid >>>= 0;
    const oldR = this.gid, oldE = this.egid, oldS = this.sgid;
    const nr = rgid === KEEP ? oldR : rgid, ne = egid === KEEP ? oldE : egid;
    if (!this.privileged) {
      if (rgid !== KEEP && rgid !== oldR && rgid !== oldE) return -EPERM;
      if (egid !== KEEP && egid !== oldR && egid !== oldE && egid !== oldS) return -EPERM;
    }
    this.gid = nr; this.egid = this.fsgid = ne;
    if (rgid !== KEEP || (egid !== KEEP && ne !== oldR)) this.sgid = ne;
    return 0;
  }

  setresgid(rgid: number, egid: number, sgid: number): number {
    rgid >>>= 0; egid >>>= 0; sgid >>>= 0;
    if (!this.privileged) {
      const ok = (v: number) => v === KEEP || v === this.gid || v === this.egid || v === this.sgid;
      if (!ok(rgid) || !ok(egid) || !ok(sgid)) return -EPERM;
    }
    if (rgid !== KEEP) this.gid = rgid;
    if (egid !== KEEP) this.egid = egid;
    if (sgid !== KEEP) this.sgid = sgid;
    this.fsgid = this.egid;
    return 0;
  }

  setfsgid(fsgid: number): number {
    fsgid >>>= 0;
    const old = this.fsgid;
    if (fsgid === KEEP) return old;
    if (this.privileged || fsgid === this.gid || fsgid === this.egid || fsgid === this.sgid || fsgid === this.fsgid) {
      this.fsgid = fsgid;
    }
    return old;
  }

  /** setgroups: CAP_SETGID only; the list is kept sorted, as Linux's groups_sort. */
  setgroups(list: number[]): number {
    if (list.length > NGROUPS_MAX) return -EINVAL;
    if (!this.privileged) return -EPERM;
    this.groups = list.map((g) => g >>> 0).sort((a, b) => a - b);
    return 0;
  }

  /**
   * execve of a set-user-ID / set-group-ID file (already filtered for nosuid mounts and
   * no_new_privs). Returns AT_SECURE: the ids differ, so the loader must distrust the
   * environment.
   */
  execSetid(fileUid: number | null, fileGid: number | null): boolean {
    if (fileUid !== null) this.euid = fileUid;
    if (fileGid !== null) this.egid = fileGid;
    this.suid = this.fsuid = this.euid;
    this.sgid = this.fsgid = this.egid;
    return this.euid !== this.uid || this.egid !== this.gid;
  }
}
