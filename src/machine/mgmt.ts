// Management operations on a running machine, for the mconsole (which may only import
// machine/): halt, reboot, ctrl-alt-del, stop/go, /proc files, task stacks, sysrq and
// device configuration.
import type { Machine } from './boot.js';
import { Task, TaskState } from '../kernel/task.js';
import { MachineClock } from '../kernel/vclock.js';
import { sendSignal } from '../kernel/signal.js';
import { SigInfo, SI_KERNEL } from '../kernel/siginfo.js';
import { SIGINT, SIGTERM, SIGKILL } from '../kernel/signal_state.js';
import { syncAllPageCaches } from '../fs/pagecache.js';
import { openPath, mkdirAt } from '../fs/vfs/ops.js';
import { FsContext } from '../fs/vfs/fscontext.js';
import { Cred } from '../kernel/cred.js';
import { O_RDONLY } from '../abi/linux/fcntl.js';
import { addDeviceNode, doMount } from '../fs/index.js';
import { S_IFBLK } from '../abi/linux/stat.js';
import { parseUbdOption, openUbd, ubdByName, ubdName, UbdError, UBD_MAJOR } from '../drivers/block/ubd.js';
import { UTS_RELEASE, UTS_VERSION, UTS_MACHINE } from '../abi/linux/misc.js';
import { BLOCK } from '../lib/waitqueue.js';

/** Channel specs of the consoles and serial lines, for `config conN` (set by boot). */
export const channelConfig = new Map<string, string>();

export function versionString(m: Machine): string {
  return `Linux ${m.kernel.hostname} ${UTS_RELEASE} ${UTS_VERSION} ${UTS_MACHINE}`;
}

function stopLoop(m: Machine): void { if (m.loop.paused) { m.loop.paused = false; clockOf(m)?.thaw(); } }
function clockOf(m: Machine): MachineClock | null { return m.kernel.clock instanceof MachineClock ? m.kernel.clock : null; }

export function halt(m: Machine, reboot: boolean, why: string): void {
  const k = m.kernel;
  stopLoop(m);
  k.log(why);
  if (reboot) k.rebootRequested = true;
  if (k.haltStatus === null) k.haltStatus = 0;
  m.loop.kick();
}

/** Ctrl-Alt-Del as Linux: reboot at once when CAD is on, else SIGINT to init. */
export function ctrlAltDel(m: Machine): void {
  const k = m.kernel;
  if (k.cadEnabled || !k.init) { halt(m, true, 'reboot: ctrl-alt-del'); return; }
  sendSignal(k.init, SIGINT, SigInfo.of(SIGINT, SI_KERNEL));
  m.loop.kick();
}

/** mconsole stop: no guest instruction runs and virtual time stands still. */
export function stop(m: Machine): boolean {
  if (m.loop.paused) return false;
  m.loop.paused = true;
  clockOf(m)?.freeze();
  return true;
}
export function go(m: Machine): boolean {
  if (!m.loop.paused) return false;
  m.loop.paused = false;
  clockOf(m)?.thaw();
  m.loop.kick();
  return true;
}

const nosleep = { blockOn(): void { /* procfs never blocks */ } };

const procCtx = new WeakMap<Machine['kernel'], FsContext>();

/** The contents of /proc/FILE from a private procfs mount (as UML's mconsole does, so
 *  it works whether or not the guest has mounted /proc). */
export function readProc(m: Machine, file: string): string | { error: string } {
  const k = m.kernel;
  const cred = new Cred();
  let ctx = procCtx.get(k);
  if (!ctx) {
    ctx = new FsContext();
    mkdirAt(ctx, cred, ctx.root, '/proc', 0o555);
    const r = doMount(ctx, cred, 'proc', '/proc', 'proc', 0, '');
    if (r < 0) return { error: 'Failed to mount procfs' };
    procCtx.set(k, ctx);
  }
  const rel = file.replace(/^\/+/, '');
  if (rel === '' || rel.split('/').includes('..')) return { error: 'Failed to open file' };
  const f = openPath(ctx, cred, ctx.root, `/proc/${rel}`, O_RDONLY, 0);
  if (typeof f === 'number') return { error: 'Failed to open file' };
  const chunks: Buffer[] = [];
  try {
    for (let total = 0; total < 1 << 20;) {
      const b = new Uint8Array(4096);
      const n = f.read(b, nosleep);
      if (n <= 0 || n === BLOCK) break;
      chunks.push(Buffer.from(b.subarray(0, n)));
      total += n;
    }
  } finally { f.put(); }
  return Buffer.concat(chunks).toString('latin1');
}

function hex(x: Int32Array, i: number): string {
  return ((x[2 * i + 1] >>> 0).toString(16).padStart(8, '0') + (x[2 * i] >>> 0).toString(16).padStart(8, '0'));
}

const STATE = ['R (running)', 'S (sleeping)', 'T (stopped)', 'Z (zombie)', 'X (dead)'];

/** `stack PID`: the task's user registers (tuml has no kernel stacks to show). */
export function stack(m: Machine, pid: number): string | { error: string } {
  const t = m.kernel.tasks.get(pid);
  if (!t) return { error: `Couldn't find task with pid ${pid}` };
  const x = t.hart.x;
  const s = `Task ${t.tid} (${t.comm}) ${STATE[t.state] ?? ''}\n` +
    ` epc : ${(t.hart.pc >>> 0).toString(16).padStart(16, '0')} ra : ${hex(x, 1)} sp : ${hex(x, 2)}\n` +
    ` gp : ${hex(x, 3)} tp : ${hex(x, 4)} a0 : ${hex(x, 10)} a7 : ${hex(x, 17)}\n`;
  m.kernel.log(s.trimEnd());
  return s;
}

function taskLine(t: Task): string {
  return `task:${t.comm.padEnd(15)} state:${'RSTZX'[t.state] ?? '?'} pid:${String(t.tid).padStart(5)} ppid:${String(t.parent?.tid ?? 0).padStart(5)}`;
}

/** The magic SysRq key: returns what Linux prints for it. */
export function sysrq(m: Machine, key: string): string {
  const k = m.kernel;
  const out: string[] = [];
  const others = (): Task[] => [...k.tasks.values()].filter((t) => t !== k.init && t.state !== TaskState.Zombie && t.state !== TaskState.Dead);
  switch (key) {
    case 'b': out.push('sysrq: Resetting'); halt(m, true, 'sysrq: Resetting'); break;
    case 'o': out.push('sysrq: Power Off'); halt(m, false, 'sysrq: Power Off'); break;
    case 's': syncAllPageCaches(); out.push('sysrq: Emergency Sync', 'Emergency Sync complete'); break;
    case 'u': syncAllPageCaches(); out.push('sysrq: Emergency Remount R/O', 'Emergency Remount complete'); break;
    case 'e': out.push('sysrq: Terminate All Tasks'); for (const t of others()) sendSignal(t, SIGTERM, SigInfo.of(SIGTERM, SI_KERNEL)); m.loop.kick(); break;
    case 'i': out.push('sysrq: Kill All Tasks'); for (const t of others()) sendSignal(t, SIGKILL, SigInfo.of(SIGKILL, SI_KERNEL)); m.loop.kick(); break;
    case 'm': {
      const mem = k.mem;
      const kb = (f: number): string => `${f * 4}kB`;
      out.push('sysrq: Show Memory', 'Mem-Info:',
        `active_anon:${mem.nframes - mem.freeFrames} free:${mem.freeFrames} code:${mem.codeFrames}`,
        `Node 0 free:${kb(mem.freeFrames)} present:${kb(mem.nframes)}`,
        `${mem.nframes} pages RAM`, `${mem.nframes - mem.freeFrames} pages in use`);
      break;
    }
    case 't': out.push('sysrq: Show State'); for (const t of k.tasks.values()) out.push(taskLine(t)); break;
    case 'w': out.push('sysrq: Show Blocked State'); for (const t of k.tasks.values()) if (t.state === TaskState.Blocked) out.push(taskLine(t)); break;
    default:
      out.push('sysrq: HELP : reboot(b) terminate-all-tasks(e) kill-all-tasks(i) show-memory-usage(m) poweroff(o) sync(s) show-task-states(t) unmount(u) show-blocked-tasks(w)');
  }
  for (const l of out) k.log(l);
  return out.join('\n') + '\n';
}

/** `config NAME=VALUE` (hot-add) or `config NAME` (query). Returns the reply or an error. */
export function config(m: Machine, arg: string): string | { error: string } {
  const eq = arg.indexOf('=');
  const name = (eq < 0 ? arg : arg.slice(0, eq)).trim();
  const ubd = /^ubd([0-9]+|[a-z])$/.exec(name);
  if (eq < 0) {
    if (ubd) {
      const d = ubdByName(ubdName(ubdIndex(ubd[1])));
      return d ? d.spec.file + (d.spec.backing ? `,${d.spec.backing}` : '') : '';
    }
    const ch = channelConfig.get(name);
    if (ch !== undefined) return ch;
    return { error: `Unknown device '${name}'` };
  }
  const value = arg.slice(eq + 1).trim();
  if (ubd) {
    const spec = parseUbdOption(name, value);
    if (spec === null || typeof spec === 'string') return { error: typeof spec === 'string' ? spec : 'bad ubd device' };
    try {
      const d = openUbd(spec);
      addDeviceNode(d.name, S_IFBLK, UBD_MAJOR, d.minor, 0o600);
      m.kernel.log(`${d.name}: ${spec.file}, ${d.blk.size} bytes (mconsole)`);
      return '';
    } catch (e) {
      if (e instanceof UbdError) return { error: e.message };
      throw e;
    }
  }
  if (channelConfig.has(name)) return { error: `${name} is already configured (hot-adding consoles is not supported)` };
  return { error: `Unknown device '${name}'` };
}

function ubdIndex(s: string): number { return /^[a-z]$/.test(s) ? s.charCodeAt(0) - 97 : Number(s); }

/** `remove NAME`: a ubd that is mounted, or open as /dev/ubdX, is in use. */
export function remove(m: Machine, name: string): string | { error: string } {
  const ubd = /^ubd([0-9]+|[a-z])$/.exec(name.trim());
  if (!ubd) return { error: channelConfig.has(name.trim()) ? 'Device is currently open' : "Device doesn't exist" };
  const dname = ubdName(ubdIndex(ubd[1]));
  const d = ubdByName(dname);
  if (!d) return { error: "Device doesn't exist" };
  const mounts = readProc(m, 'mounts');
  if (typeof mounts === 'string' && new RegExp(`^/dev/${dname}\\s`, 'm').test(mounts)) return { error: 'Device is currently open' };
  if (d.blk.openFiles > 0 || d.blk.holder !== null) return { error: 'Device is currently open' };
  d.close();
  m.kernel.log(`${dname}: removed (mconsole)`);
  return '';
}
