// tuml: the kernel executable. Parses UML's command line, boots, exits with init's status.
// Bad input gets one line on stderr and a non-zero exit, never a stack trace.
import { parseArgs, ConfigError } from '../machine/config.js';
import { createMachine } from '../machine/boot.js';
import { jitMem } from '../arch/riscv/jit/jit.js';
import { nodeV8 } from '../lib/nodemods.js';
import { optWarmOver } from '../machine/optwarm.js';
import { installHostTerminalHooks, startHostConsole, stopHostConsole } from '../drivers/tty/index.js';
import { startManagement } from '../mconsole/index.js';
import { writeFdSync } from '../drivers/chan/chan.js';
import { dgramAddon } from '../drivers/unixdgram.js';
import { openCheckpoint, loadMachine, restoreArgv, CkptError } from '../machine/checkpoint/index.js';

/** A line to the host's stderr, written synchronously through the fd (process.stderr
 *  would load Node's net module when stderr is a pipe: ~2 MB of RSS for the whole run). */
function err(s: string): void { writeFdSync(2, Buffer.from(s)); }

function fail(msg: string, code = 1): never {
  err(`tuml: ${msg}\n`);
  process.exit(code);
}

process.on('uncaughtException', (e) => {
  if (process.env.TUML_DEBUG) err(String(e && (e as Error).stack) + '\n');
  fail(`internal error: ${(e as Error)?.message ?? e}`, 70);
});

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    throw e;
  }
  if ('print' in cfg) { process.stdout.write(cfg.print); return; }
  // restore=FILE: boot from the checkpoint's command line (with this one's channel and
  // management options) and load its state instead of starting init.
  let ckpt: ReturnType<typeof openCheckpoint> | null = null;
  const restoreFile = cfg.mgmt.restore;
  if (restoreFile !== null) {
    try {
      ckpt = openCheckpoint(restoreFile);
      const c2 = parseArgs(restoreArgv(ckpt.header.argv, process.argv.slice(2)));
      if ('print' in c2) fail(`restore=${restoreFile}: corrupt checkpoint (command line)`, 1);
      cfg = c2;
    } catch (e) {
      if (e instanceof CkptError || e instanceof ConfigError) fail(`restore=${restoreFile}: ${e.message}`, 1);
      throw e;
    }
  }
  installHostTerminalHooks();
  let m: ReturnType<typeof createMachine> | undefined, status;
  // umid directory (pid file, mconsole socket): refused when a live machine holds it.
  const mgmt = startManagement(cfg, () => m ?? null, (line) => { if (!cfg.quiet) err(line + '\n'); });
  if (typeof mgmt === 'string') fail(mgmt, 1);
  // Parsing the bundle left freed parser memory in glibc's heap: give it back before the
  // boot builds on it (~0.4 MB less peak RSS; docs/benchmarks.md, "Idle memory").
  dgramAddon()?.mallocTrim?.();
  // reboot(2) boots a fresh machine from scratch; poweroff/halt and init's exit end tuml.
  for (;;) {
    try {
      const c = ckpt;
      ckpt = null; // a reboot boots afresh
      m = createMachine(cfg, (line) => err(line + '\n'), c ? (mm) => loadMachine(mm, c) : undefined);
    } catch (e) {
      if (e instanceof ConfigError) { stopHostConsole(); fail(e.message, 1); }
      if (e instanceof CkptError) { stopHostConsole(); fail(`restore=${restoreFile}: ${e.message}`, 1); }
      throw e;
    }
    startHostConsole();
    // Node leaves its event loop when nothing can happen any more: every task sleeps with
    // no timer pending and no host input can arrive. Linux would hang; we say so and stop.
    const stuck = (): void => {
      stopHostConsole();
      fail('every task is blocked and nothing can wake them (deadlock); halting', 1);
    };
    process.once('beforeExit', stuck);
    status = await m.loop.start();
    process.off('beforeExit', stuck);
    if (!m.kernel.rebootRequested) break;
  }
  stopHostConsole();
  mgmt.close();
  if (cfg.stats) {
    let n = 0;
    for (const t of m!.kernel.tasks.values()) n += t.hart.instret;
    // optimizer: whether the warm-up (machine/optwarm.ts) is over, V8's optimizing compiler on.
    err(`tuml: instret=${n + m!.kernel.retiredInstret} optimizer=${optWarmOver() ? 'on' : 'off'}\n`);
    const j = jitMem(m!.kernel.mem);
    // The host process's memory (the memory bench row's figure is the peak, VmHWM).
    const mu = process.memoryUsage(), heap = nodeV8().getHeapStatistics(), mb = (v: number): string => (v / 1048576).toFixed(1);
    err(`tuml: host rss=${mb(mu.rss)}M jsHeapUsed=${mb(mu.heapUsed)}M jsHeapCommitted=${mb(heap.total_physical_size)}M ` +
      `external=${mb(mu.external)}M arrayBuffers=${mb(mu.arrayBuffers)}M\n`);
    if (j.enabled) err(`tuml: jit regions=${j.regions} wasm=${j.wasmRegions} dropped=${j.dropped} insts=${j.translatedInsts} calls=${j.calls} regionInsts=${j.regionInsts} steps=${j.steps} interps=${j.interps} interpInsts=${j.interpInsts}\n`);
  }
  process.exit(status);
}

void main();
