// Host memory back when the machine goes idle. glibc keeps what V8's optimizing compiler
// and short-lived buffers freed resident in its heaps: ~8 MB after a boot, most of it
// TurboFan's zones on V8's worker thread (docs/benchmarks.md, "Idle memory"). Once the
// run loop has had nothing to run for a second after doing work (checked once a second,
// so one to two seconds after its last tick), malloc_trim(0) (through
// the native addon, when it is built) returns the free pages to the host, and once more
// four seconds later (an optimizing compile still running on V8's thread at the first
// trim frees its zones later). The peak RSS is unchanged; the RSS of a machine that sits
// idle falls by that much.
import { dgramAddon } from '../drivers/unixdgram.js';

/** Idle time before each trim: the first, then the second. */
const IDLE_MS = [1000, 4000];

export class IdleTrim {
  /** Run-loop ticks so far; a trim waits for a second in which this did not move. */
  private ticks = 0;
  /** Work was done since the last trim. */
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private armedAt = 0;
  /** Trims done since the machine last did work. */
  private done = 0;

  /** trim: what gives memory back (tests pass their own). */
  constructor(private readonly trim: () => void = () => { dgramAddon()?.mallocTrim?.(); }) {}

  /** The run loop is about to run tasks. */
  tick(): void { this.ticks++; this.dirty = true; }

  /** The run loop has nothing to run until a timer or a host event. */
  idle(): void {
    if (!this.dirty || this.timer !== null) return;
    this.done = 0;
    this.arm();
  }

  private arm(): void {
    this.armedAt = this.ticks;
    this.timer = setTimeout(this.fire, IDLE_MS[this.done]);
    this.timer.unref(); // never what keeps the process alive
  }

  /** Trim at once (the run loop, while the machine warms up). */
  now(): void { this.trim(); }

  /** The machine stops (halt, reboot): no trim after it. */
  stop(): void {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
  }

  private readonly fire = (): void => {
    this.timer = null;
    // It ran meanwhile (and its idle() calls found this timer pending): wait again.
    if (this.ticks !== this.armedAt) { this.done = 0; this.arm(); return; }
    this.dirty = false;
    this.trim();
    if (++this.done < IDLE_MS.length) this.arm();
  };
}
