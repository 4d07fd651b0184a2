// execve: resolve the file (ELF or #! script), load it into a new address space,
// then, past the point of no return, replace the task's image.
import { Task } from './task.js';
import { cachedElf, parseElfCached } from './elfcache.js';
import { loadElf, ExecFile } from './exec.js';
import { openExec } from '../fs/index.js';
import { ENOEXEC, ELOOP, ENAMETOOLONG, ENOENT } from '../abi/linux/errno.js';
import { SIG_IGN } from './signal_state.js';
import { vforkRelease } from './fork.js';
import { execBacking } from './filemap.js';
import { execKillThreads, mmRelease } from './exit.js';
import { S_ISUID, S_ISGID } from '../abi/linux/stat.js';

const MAX_RECURSION = 4;
const BINPRM_BUF = 256;

/** Open path for execution, with its page cache as the mapping backing where it has one. */
function open(t: Task, path: string, opened: { close(): void }[]): ExecFile | number {
  const f = openExec(t.fs, t.cred, path);
  if (typeof f === 'number') return f;
  opened.push(f);
  return Object.assign(f, { backing: execBacking(t.kernel.mem, f.file, f.path), inode: f.file.inode });
}

/**
 * execveat's first file: opened by the caller's rule (a dirfd, AT_EMPTY_PATH), named
 * execfn ("/dev/fd/N[/path]" as Linux's bprm->filename). fdCloexec: a script reached
 * through a close-on-exec fd cannot be opened by its interpreter (ENOENT).
 */
export interface ExecAt { open(): ReturnType<typeof openExec>; execfn: string; fdCloexec: boolean; }

/** Replace t's program with `path`. Returns 0 on success (registers set) or -errno. */
export function doExecve(t: Task, path: string, argv: Uint8Array[], envp: Uint8Array[], at?: ExecAt): number {
  // The files opened on the way (script, interpreters, ELF interpreter) are dropped at
  // the end: the mappings hold their own references.
  const opened: { close(): void }[] = [];
  try {
    return execve(t, path, argv, envp, opened, at);
  } finally {
    for (const f of opened) f.close();
  }
}

function execve(t: Task, path: string, argv: Uint8Array[], envp: Uint8Array[], opened: { close(): void }[], at?: ExecAt): number {
  let file: ReturnType<typeof open>;
  if (at) {
    const f = at.open();
    if (typeof f === 'number') return f;
    opened.push(f);
    file = Object.assign(f, { backing: execBacking(t.kernel.mem, f.file, f.path), inode: f.file.inode });
  } else file = open(t, path, opened);
  if (typeof file === 'number') return file;
  const execfn = at ? at.execfn : path;
  // #! scripts: the interpreter (and optional argument) replace argv[0] (Linux's binfmt_script).
  // A file whose ELF headers are cached is no script: its first bytes need not be read.
  for (let depth = 0; cachedElf(file.inode) === null; depth++) {
    const head = new Uint8Array(BINPRM_BUF);
    const n = file.pread(head, 0);
    if (n >= 2 && head[0] === 0x23 && head[1] === 0x21) {
      if (depth >= MAX_RECURSION) return -ELOOP;
      let end = head.indexOf(10);
      if (end < 0 || end >= n) { end = n; if (n === BINPRM_BUF) return -ENOEXEC; }
      const line = Buffer.from(head.subarray(2, end)).toString('latin1').replace(/[ \t]+$/, '').replace(/^[ \t]+/, '');
      if (line.length === 0) return -ENOEXEC;
      const sp = line.search(/[ \t]/);
      const interp = sp < 0 ? line : line.slice(0, sp);
      const iarg = sp < 0 ? '' : line.slice(sp).replace(/^[ \t]+/, '');
      if (interp.length >= BINPRM_BUF) return -ENAMETOOLONG;
      if (depth === 0 && at?.fdCloexec) return -ENOENT;
      const script = depth === 0 && at ? execfn : file.path;
      const rest = argv.slice(1);
      argv = [Buffer.from(interp, 'latin1')];
      if (iarg) argv.push(Buffer.from(iarg, 'latin1'));
      argv.push(Buffer.from(script, 'latin1'), ...rest);
      const nf = open(t, interp, opened);
      if (typeof nf === 'number') return nf;
      file = nf;
      continue;
    }
    break;
  }
  const f = file;
  const info = parseElfCached(f.inode, (b, p) => f.pread(b, p), f.size);
  if (info === null) return -ENOEXEC;
  const rnd = new Uint8Array(16);
  t.kernel.random(rnd);
  // Set-user-ID and set-group-ID files (never on nosuid mounts or under no_new_privs);
  // the group bit counts only with group execute (else it marks mandatory locking).
  const c = t.cred.clone();
  const setid = !f.nosuid && !t.noNewPrivs;
  const fileUid = setid && (f.mode & S_ISUID) ? f.uid : null;
  const fileGid = setid && (f.mode & S_ISGID) && (f.mode & 0o010) ? f.gid : null;
  const secure = c.execSetid(fileUid, fileGid);
  const loaded = loadElf(t.kernel.mem, f, info, argv, envp, execfn,
    { uid: c.uid, euid: c.euid, gid: c.gid, egid: c.egid, secure }, rnd, (p) => open(t, p, opened));
  if (typeof loaded === 'number') return loaded;

  // Point of no return.
  execKillThreads(t);
  mmRelease(t);
  Object.assign(t.cred, { euid: c.euid, suid: c.suid, fsuid: c.fsuid, egid: c.egid, sgid: c.sgid, fsgid: c.fsgid });
  if (secure) { t.dumpable = 0; t.pdeathSig = 0; }
  const old = t.mm;
  t.setMm(loaded.mm);
  if (--old.users === 0) old.destroy();
  if (t.files.users > 1) { t.files.users--; t.files = t.files.clone(); }
  t.files.closeOnExec();
  vforkRelease(t);
  if (t.sighand.users > 1) { t.sighand.users--; t.sighand = t.sighand.clone(); }
  const acts = t.sighand.actions;
  for (let s = 1; s < acts.length; s++) if (acts[s].handler !== SIG_IGN) t.sighand.reset(s);
  t.altStackSp = 0; t.altStackSize = 0; t.altStackFlags = 2; // SS_DISABLE
  // comm is the last component of the path given to execve (Linux's bprm->filename).
  const base = execfn.slice(execfn.lastIndexOf('/') + 1);
  t.comm = base.slice(0, 15);
  t.exePath = f.path;
  t.execed = true;
  const h = t.hart;
  h.x.fill(0); h.f64.fill(0); h.fflags = 0; h.frm = 0; h.res[0] = -1;
  h.pc = loaded.entry;
  h.setNum(2, loaded.sp);
  t.kernel.execed?.(t, argv);
  return 0;
}
