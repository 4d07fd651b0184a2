// Checkpoint and restore of a whole machine (docs/channels-and-checkpoint.md).
//
// checkpoint(): with the machine stopped, page caches and block devices are flushed and
// the file gets three sections: "machine" (clock, random state; JSON), "mem" (the used
// physical frames with refcounts and the free list, so frame numbers in page tables stay
// valid) and "graph" (the kernel's objects, reg_*.ts). Host resources
// (consoles, channels, hostfs directories, ubd images) are referred to by name and
// opened again by the restoring machine, which is booted from the saved command line.
// Tasks blocked in a syscall stay on their wait queues (their pc is at the ecall and the
// syscall re-executes when they are woken, as always), so the restored machine continues
// exactly where the stopped one was.
import { nodeV8 } from '../../lib/nodemods.js';
import { writeFileSync, renameSync, readFileSync, unlinkSync } from 'node:fs';
import type { Machine } from '../boot.js';
import { stop, go } from '../mgmt.js';
import { VERSION } from '../config.js';
import { CkptError, graphEncoder, decodeGraph, LoadCtx } from './graph.js';
import { writeContainer, readContainer, Header } from './format.js';
import { saveMemory, loadMemory } from './memory.js';
import { saveTimers, loadTimers, TimerDesc } from './timers.js';
import { ckptStates, ckptSides } from '../../lib/ckptstate.js';
import { syncAllPageCaches } from '../../fs/pagecache.js';
import { syncAllBlockDevices } from '../../drivers/block/blkdev.js';
import { syncAllExt2 } from '../../fs/ext2/ext2.js';
import { HostInode } from '../../fs/hostfs/hostfs.js';
import { O_PATH } from '../../abi/linux/fcntl.js';
import { MachineClock, SeededRandom } from '../../kernel/vclock.js';
import { Task } from '../../kernel/task.js';
import { File } from '../../fs/vfs/file.js';
import { fileRef } from '../../fs/vfs/fsnotify.js';
import { Tty } from '../../drivers/tty/tty.js';
import { restoreExterns } from './externs.js';
import './reg_kernel.js';
import './reg_fs.js';
import './reg_tty.js';
import './reg_net.js';

export { CkptError } from './graph.js';

interface MachineSection {
  clock: ReturnType<MachineClock['save']> | null;
  random: number[] | null;
}

interface Root {
  kernel: unknown;
  states: Map<string, unknown>;
  timers: TimerDesc[];
  sides: [string, object, unknown][];
}

/** The checkpoint file's bytes for machine m (which must be stopped); throws CkptError. */
export function saveMachine(m: Machine, argv: readonly string[]): Buffer {
  const k = m.kernel;
  // Host-backed state reaches the host first: the checkpoint refers to it by name.
  syncAllPageCaches();
  syncAllExt2();
  syncAllBlockDevices();
  const all: object[] = [];
  const enc = graphEncoder(all);
  const states = new Map<string, unknown>();
  for (const [name, s] of ckptStates()) states.set(name, s.get(k));
  const root: Record<string, unknown> = {};
  root.kernel = enc(k, 'kernel');
  root.states = enc(states, 'state');
  // What modules keep about these objects in side tables (locks, futex ids, pipefs
  // nodes ...); values may bring new objects, which are asked in turn.
  const sides: [string, object, unknown][] = [];
  for (let i = 0; i < all.length; i++) {
    for (const [name, side] of ckptSides()) {
      const v = side.get(all[i]);
      if (v !== undefined) sides.push([name, all[i], enc(v, `${name}`)]);
    }
  }
  root.sides = sides.map(([name, o, v]) => [name, enc(o, name), v]);
  const timers = saveTimers(k, all);
  root.timers = enc(timers, 'timers');
  const clock = k.clock instanceof MachineClock ? k.clock.save() : null;
  const rnd = (k.random as Partial<SeededRandom>).state;
  const machine: MachineSection = { clock, random: rnd ? rnd() : null };
  let graph: Buffer;
  try { graph = nodeV8().serialize({ $o: root }); /* a plain object of the tagged graph (graph.ts) */ } catch (e) { throw new CkptError(`cannot serialize the kernel objects: ${(e as Error).message}`); }
  const header: Omit<Header, 'sections'> = {
    tuml: VERSION, argv: [...argv], memBytes: k.mem.nframes * 4096,
    timeTravel: k.clock instanceof MachineClock ? k.clock.mode : 'host',
  };
  return writeContainer(header, [
    ['machine', Buffer.from(JSON.stringify(machine))],
    ['mem', saveMemory(k.mem)],
    ['graph', graph],
  ]);
}

/** mconsole `checkpoint FILE`: stop the machine if it runs, write the file, resume. */
export function checkpoint(m: Machine, file: string, argv: readonly string[]): string | { error: string } {
  if (file === '') return { error: 'checkpoint: a file name is needed (checkpoint FILE)' };
  const wasRunning = stop(m);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const buf = saveMachine(m, argv);
    writeFileSync(tmp, buf);
    renameSync(tmp, file);
    // (on the host's stderr, not in dmesg: the saved and the running machine stay alike)
    if (!m.kernel.cfg.quiet) m.kernel.cfg.console(`checkpoint: ${file} (${buf.length} bytes)`);
    return `checkpoint written to ${file} (${buf.length} bytes)`;
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* not written */ }
    if (e instanceof CkptError) return { error: `checkpoint refused: ${e.message}` };
    const err = e as NodeJS.ErrnoException;
    if (err.code) return { error: `checkpoint: ${file}: ${err.message}` };
    return { error: `checkpoint failed: ${err.message}` };
  } finally {
    if (wasRunning) go(m);
  }
}

/** Read and verify a checkpoint file; throws CkptError with a one-line reason. */
export function openCheckpoint(file: string): { header: Header; section(name: string): Buffer } {
  let buf: Buffer;
  try { buf = readFileSync(file); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CkptError(code === 'ENOENT' ? 'No such file or directory' : code === 'EISDIR' ? 'Is a directory' : (e as Error).message);
  }
  const c = readContainer(buf);
  if (c.header.tuml !== VERSION) throw new CkptError(`made by tuml ${c.header.tuml}; this is tuml ${VERSION}`);
  return c;
}

/** Load a verified checkpoint into a freshly built machine (booted from its argv, no init). */
export function loadMachine(m: Machine, c: { header: Header; section(name: string): Buffer }): void {
  const k = m.kernel;
  const h = c.header;
  if (h.memBytes !== k.mem.nframes * 4096) throw new CkptError(`memory size mismatch (${h.memBytes} bytes saved, ${k.mem.nframes * 4096} here)`);
  const mode = k.clock instanceof MachineClock ? k.clock.mode : 'host';
  if (h.timeTravel !== mode) throw new CkptError(`time mode mismatch (${h.timeTravel} saved, ${mode} here)`);
  let ms: MachineSection;
  try { ms = JSON.parse(c.section('machine').toString()) as MachineSection; } catch (e) {
    if (e instanceof CkptError) throw e;
    throw new CkptError('corrupt checkpoint (machine section)');
  }
  loadMemory(k.mem, c.section('mem'));
  let plain: unknown;
  try { plain = nodeV8().deserialize(c.section('graph')); } catch { throw new CkptError('corrupt checkpoint (object graph)'); }
  const made: object[] = [];
  const ctx: LoadCtx = { extern: restoreExterns(m) };
  const root = decodeGraph(plain, ctx, made) as Root;
  const states = ckptStates();
  for (const [name, v] of root.states) {
    const s = states.get(name);
    if (!s) throw new CkptError(`the checkpoint has state ${name}, which this tuml does not know`);
    s.set(v, k);
  }
  const sides = ckptSides();
  for (const [name, o, v] of root.sides) {
    const side = sides.get(name);
    if (!side) throw new CkptError(`the checkpoint has side table ${name}, which this tuml does not know`);
    side.set(o, v);
  }
  // Derived state: MMUs on their page tables, open-file counts per inode.
  for (const o of made) {
    if (o instanceof Task) o.mm.attach(o.hart.mmu);
    else if (o instanceof File && o.refs > 0 && !o.closed && o.inode) {
      fileRef(o.inode, 1);
      // hostfs: the open file's host fd, by path again
      if (o.inode instanceof HostInode && o.inode.isReg && (o.flags & O_PATH) === 0) {
        const e = o.inode.open(o);
        if (e < 0) throw new CkptError(`hostfs file ${o.inode.alias ? o.inode.alias.relPath() : '?'} cannot be opened again (error ${-e})`);
      }
    }
    // a reader may sleep on a terminal: its host channel starts delivering input
    else if (o instanceof Tty && o.readWq !== undefined && !o.readWq.empty) o.driver.wantInput?.();
  }
  loadTimers(k, root.timers);
  if (ms.clock && k.clock instanceof MachineClock) k.clock.load(ms.clock);
  const rnd = k.random as Partial<SeededRandom>;
  if (ms.random && rnd.setState) rnd.setState(ms.random);
  if (!k.cfg.quiet) k.cfg.console(`restore: ${k.tasks.size} tasks, ${made.length} objects`);
}

/** Options a restore may set; everything else comes from the checkpoint's command line. */
const RESTORE_KEYS = /^(con\d*|ssl\d*|umid|uml_dir|mconsole|quiet|strace|--strace|stats|jit)$/;
/** Options of the saved command line that a restore never takes over (they name this run). */
const RUN_KEYS = /^(umid|uml_dir|mconsole|restore)$/;

const keyOf = (a: string): string => { const i = a.indexOf('='); return i < 0 ? a : a.slice(0, i); };

/**
 * The command line of the restoring machine: the checkpoint's, with the restore command
 * line's channel and management options put over it. Throws CkptError for other options.
 */
export function restoreArgv(saved: readonly string[], cmd: readonly string[]): string[] {
  const given = new Set<string>();
  const extra: string[] = [];
  for (const a of cmd) {
    const k = keyOf(a);
    if (k === 'restore') continue;
    if (a === '--' || !RESTORE_KEYS.test(k)) throw new CkptError(`'${a}' cannot be given with restore= (the checkpoint's configuration is used; only channel and management options may change)`);
    given.add(k);
    extra.push(a);
  }
  const dash = saved.indexOf('--');
  const opts = dash < 0 ? saved : saved.slice(0, dash);
  const tail = dash < 0 ? [] : saved.slice(dash);
  const kept = opts.filter((a) => !given.has(keyOf(a)) && !RUN_KEYS.test(keyOf(a)));
  return [...kept, ...extra, ...tail];
}
