// Boot: build the machine from a MachineConfig (memory, kernel, root filesystem,
// console), start init, and run until it halts. This is also the embedding API.
import { tmpfsRam } from '../fs/tmpfs/tmpfs.js';
import { PhysMem } from '../mm/phys.js';
import { AddressSpace, addReclaimer } from '../mm/aspace.js';
import { Kernel } from '../kernel/kernel.js';
import { Task } from '../kernel/task.js';
import { Cred } from '../kernel/cred.js';
import { MachineClock, seededRandom, pooledRandom } from '../kernel/vclock.js';
import { setRandomSource } from '../drivers/char/mem.js';
import { doExecve } from '../kernel/execve.js';
import { FdTable } from '../fs/vfs/fdtable.js';
import { FsContext } from '../fs/vfs/fscontext.js';
import { mountRootHostfs, mountRootInitramfs, mountDevtmpfs, installStdio, openChannel, setFsClock, addDeviceNode } from '../fs/index.js';
import { registerProcFs } from '../proc/index.js';
import { registerTtyDevices, openConsole, setTtyJobControl, disassociateCtty, attachLines, getConsoleTty } from '../drivers/tty/index.js';
import { channelConfig } from './mgmt.js';
import { ONLCR, ECHO, ECHOE, ECHOK, ECHOCTL, ECHOKE } from '../abi/linux/termios.js';
import { makeJobControl, procView } from '../kernel/jobctl.js';
import { oomKill } from '../kernel/oom.js';
import { orderlyPoweroff } from '../kernel/umh.js';
import { S_IFCHR, S_IFBLK } from '../abi/linux/stat.js';
import { openUbd, closeAllUbd, UbdError, UBD_MAJOR } from '../drivers/block/ubd.js';
import '../drivers/block/bdevfile.js'; // open(/dev/ubdX): block device special files
import { mountRootBlock } from '../fs/ext2/index.js';
import { setHostfsConfinement } from '../fs/hostfs/confine.js';
import { hostOutput } from '../drivers/chan/hostfd.js';
import { RunLoop } from './run.js';
import { optWarmStart } from './optwarm.js';
import { setupInet, configureEth } from '../net/inet/machine.js';
import { childExited, sendSignal } from '../kernel/signal.js';
import { SigInfo, SI_KERNEL } from '../kernel/siginfo.js';
import { fileBacking } from '../kernel/filemap.js';
import { setMmapFileSource } from '../syscalls/sys_mm.js';
import { pathName } from '../fs/index.js';
import { MachineConfig, ConfigError, VERSION } from './config.js';
import { setJit, setJitWarmup } from '../arch/riscv/jit/jit.js';
import { UTS_RELEASE } from '../abi/linux/misc.js';
import { strerror } from './strerror.js';
import { hostRandomFill } from '../lib/hostrandom.js';
import { existsSync } from 'node:fs';
import { openImage, type OpenImage } from '../fs/tmpfs/imagedata.js';
import { fileURLToPath } from 'node:url';
import { isHostTty } from '../drivers/chan/hoststdin.js';

export interface Machine {
  kernel: Kernel; loop: RunLoop;
  /** The command line it was built from (a checkpoint records it). */
  argv?: readonly string[];
}

/** The root filesystem the configuration asks for, or a ConfigError. */
function mountRoot(cfg: MachineConfig, notes: string[], restoring: boolean): FsContext {
  // ubd devices first: the root may live on one.
  closeAllUbd();
  for (const spec of cfg.ubd) {
    try {
      const d = openUbd(spec);
      notes.push(`${d.name}: ${spec.file}${spec.backing ? ` (COW over ${spec.backing})` : ''}, ${d.blk.size} bytes${d.readonly ? ', read-only' : ''}`);
      addDeviceNode(d.name, S_IFBLK, UBD_MAJOR, d.minor, 0o600);
    } catch (e) {
      closeAllUbd();
      if (e instanceof UbdError) throw new ConfigError(e.message);
      throw e;
    }
  }
  // A restore brings its own mounts (and refers to the ubd devices opened above).
  if (restoring) return new FsContext();
  if (cfg.root !== null && /^\/dev\/ubd([0-7]|[a-z])$/.test(cfg.root) && cfg.rootfstype !== 'hostfs') {
    const r = mountRootBlock(cfg.root, cfg.readonly, cfg.rootfstype, notes);
    if (typeof r === 'string') { closeAllUbd(); throw new ConfigError(r); }
    return r;
  }
  if (cfg.rootfstype === 'hostfs') {
    const r = mountRootHostfs(cfg.hostfs!, cfg.readonly);
    if (typeof r === 'string') throw new ConfigError(r);
    return r;
  }
  // The default root: an initramfs (cpio newc, optionally gzipped) unpacked into tmpfs.
  const file = cfg.initrd ?? defaultInitrd();
  let img: OpenImage;
  try { img = openImage(file); } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message;
    throw new ConfigError(cfg.initrd ? `initrd ${file}: ${why}` :
      `no root filesystem: the default initramfs ${file} is missing (run 'npm install' or 'npm run fetch-guest'), or give rootfstype=hostfs hostfs=DIR`);
  }
  const r = mountRootInitramfs(img);
  if (typeof r === 'string') throw new ConfigError(`initrd ${file}: ${r}`);
  return r;
}

/** build/initramfs.cpio beside the package (made by scripts/fetch-guest.sh; not
 *  compressed, so that its files are read from it as the guest needs them), or the
 *  gzipped image older checkouts built. */
export const DEFAULT_INITRD = fileURLToPath(new URL('../../build/initramfs.cpio', import.meta.url));
function defaultInitrd(): string {
  return !existsSync(DEFAULT_INITRD) && existsSync(DEFAULT_INITRD + '.gz') ? DEFAULT_INITRD + '.gz' : DEFAULT_INITRD;
}

/**
 * Build a machine and start init; or, with `restore`, build it without init and let
 * restore() load a checkpoint into it (it throws to refuse; the CLI prints one line).
 */
export function createMachine(cfg: MachineConfig, log: (line: string) => void, restore?: (m: Machine) => void): Machine {
  optWarmStart(cfg.optWarm); // before the initramfs is unpacked (its parser gets hot)
  const notes: string[] = [];
  setHostfsConfinement(cfg.hostfs);
  tmpfsRam.bytes = cfg.memBytes;
  const fsctx = mountRoot(cfg, notes, restore !== undefined);
  const mem = new PhysMem(cfg.memBytes);
  setJit(mem, cfg.jit);
  setJitWarmup(cfg.jitWarm);
  const mg = cfg.mgmt;
  const vclock = new MachineClock(mg.timeTravel, mg.timeTravelStart);
  const kernel = new Kernel(mem, vclock, { quiet: cfg.quiet, strace: cfg.strace, hostname: cfg.hostname, console: log });
  // random-seed= (default 0 under time-travel=inf-cpu) makes every random source reproducible.
  const seed = mg.randomSeed ?? (mg.timeTravel === 'inf-cpu' ? 0 : null);
  kernel.random = seed === null ? pooledRandom(hostRandomFill) : seededRandom(seed);
  setRandomSource(kernel.random);
  kernel.idleSkip = (next) => vclock.skipTo(next);
  kernel.log(`Linux version ${UTS_RELEASE} (tuml ${VERSION}) riscv64`);
  const cmdline = (cfg.argv.length ? cfg.argv : process.argv.slice(2)).join(' ');
  kernel.log(`Kernel command line: ${cmdline}`);
  kernel.log(`Memory: ${mem.nframes * 4}K available`);
  for (const n of notes) kernel.log(n);
  kernel.childExited = childExited;
  kernel.sendSignalHook = (t, sig) => sendSignal(t, sig, SigInfo.of(sig, SI_KERNEL));
  setMmapFileSource({ backing: (t, fd, prot, flags) => fileBacking(t, fd, prot, flags, (f) => (f.path ? pathName(f.path, t.fs.root) : '')) });
  // The console is the host's stdin/stdout (con=fd:0,fd:1) unless con0=/con= say
  // otherwise. When they are not terminals (pipes, files), output is not turned into CRLF
  // and input is not echoed, so that tuml composes in shell pipelines.
  let lines;
  try {
    lines = attachLines(mg, (line) => kernel.log(line), (tm) => {
      if (!isHostTty(1)) tm.oflag &= ~ONLCR;
      if (!isHostTty(0)) tm.lflag &= ~(ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE);
    });
  } catch (e) { throw new ConfigError((e as Error).message); }
  registerTtyDevices();
  addDeviceNode('tty0', S_IFCHR, 4, 0, 0o620);
  channelConfig.clear();
  for (const l of lines) {
    channelConfig.set(l.name, l.spec);
    if (l.minor !== 0) addDeviceNode(l.dev, S_IFCHR, l.major, l.minor, 0o620);
  }
  setTtyJobControl(makeJobControl(kernel));
  let poweroffAsked = false;
  kernel.sessionLeaderExit = (t) => {
    const ctty = t.ctty;
    disassociateCtty(procView(t), true);
    // `echo cmds | tuml`: once the console's host input has ended and the session that
    // read it is gone, power off (else init would respawn a shell that reads EOF forever).
    const con = getConsoleTty();
    if (ctty === con && con.inputEnded && kernel.haltStatus === null && !poweroffAsked) {
      poweroffAsked = true;
      orderlyPoweroff(kernel, 'console input ended: powering off');
    }
  };
  registerProcFs(kernel, { cmdline });
  const clock = kernel.clock;
  setFsClock(() => clock.realOffsetNs + clock.monoNs());
  // CONFIG_DEVTMPFS_MOUNT: devtmpfs on /dev before init, when the root has a /dev.
  mountDevtmpfs(fsctx);
  const loop = new RunLoop(kernel);
  const inet = setupInet(kernel);
  try { configureEth(kernel, inet, cfg.eth, cfg.hostfwd, cfg.ip); } catch (e) { throw new ConfigError((e as Error).message); }
  // Out of frames: reclaim (page cache) first, then the OOM killer.
  addReclaimer(mem, () => oomKill(kernel), false);
  const m: Machine = { kernel, loop, argv: cfg.argv };
  if (restore) restore(m); else startInit(kernel, cfg, fsctx);
  return m;
}

function startInit(k: Kernel, cfg: MachineConfig, fsctx: FsContext): void {
  const files = new FdTable();
  installStdio(files, openConsole());
  // With an init program given after `--`, its fd 2 goes to the host's stderr so that
  // scripts can tell the streams apart (a tuml extension; Linux's init has all three on
  // /dev/console, which is what a boot without `--` gets).
  if (cfg.initFromArgs) files.installAt(2, openChannel(hostOutput(2)), false);
  const t = new Task(k, k.allocPid(), 1, new AddressSpace(k.mem), files, fsctx, new Cred());
  k.tasks.set(t.tid, t);
  k.init = t;
  const enc = (s: string) => Buffer.from(s, 'latin1');
  const env = cfg.initEnv.map(enc);
  const tryInit = (path: string): number => doExecve(t, path, [path, ...cfg.initArgs].map(enc), env);
  let path = cfg.init;
  if (cfg.init !== null) {
    const r = tryInit(cfg.init);
    if (r < 0) throw new ConfigError(`Kernel panic - not syncing: Requested init ${cfg.init} failed (error ${r}: ${strerror(-r)})`);
  } else {
    let ok = false;
    for (const p of ['/init', '/sbin/init', '/etc/init', '/bin/init', '/bin/sh']) {
      if (tryInit(p) === 0) { ok = true; path = p; break; }
    }
    if (!ok) throw new ConfigError('Kernel panic - not syncing: No working init found.');
  }
  k.log(`Run ${path} as init process`);
  k.makeRunnable(t);
}
