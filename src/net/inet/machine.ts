// Building a machine's inet stack: the clock adapter over the kernel's timer queue, lo
// (127.0.0.1/8, up at boot as in UML), and ethN devices with their transports.
import { NetStack } from './stack.js';
import { Inet, attachInet } from './sock.js';
import './netlink.js';
import type { NetClock, NetTimerHandle } from './util.js';
import type { LinkTransport } from './netdev.js';

/** What the stack needs from the kernel (kernel/kernel.ts Kernel satisfies it). */
export interface KernelHooks {
  now(): number;
  readonly timers: { add(at: number, fire: () => void): NetTimerHandle; cancel(t: NetTimerHandle): void };
  log(msg: string, important?: boolean): void;
  /** Wakes the run loop after host events that queued work or timers. */
  onRunnable(): void;
}

export function kernelClock(k: KernelHooks): NetClock {
  return {
    now: () => k.now(),
    addTimer: (at, fire) => k.timers.add(at, fire),
    cancelTimer: (h) => k.timers.cancel(h as never),
  };
}

export function setupInet(k: KernelHooks & object): Inet {
  const stack = new NetStack(kernelClock(k));
  stack.log = (m) => k.log(m);
  stack.setupLoopback();
  const inet = new Inet(stack);
  const seed = new Uint32Array(1);
  seed[0] = (Math.floor(k.now()) ^ 0x9e3779b9) >>> 0;
  inet.tcp.seedIss(seed[0]);
  attachInet(k, inet);
  return inet;
}

/** Add ethN with a transport; frames from the host wake the run loop. */
export function addEther(k: KernelHooks, inet: Inet, name: string, mac: Uint8Array, mtu: number,
  make: (deliver: (frame: Uint8Array) => void) => LinkTransport): void {
  const dev = inet.stack.addDevice(name, mtu, mac);
  dev.transport = make((frame) => {
    try { dev.receiveFrame(frame); } catch (e) { dev.malformed++; k.log(`${name}: dropped a frame: ${(e as Error).message}`); }
    k.onRunnable();
  });
  k.log(`${name}: ${dev.transport.describe}, MAC ${[...mac].map((x) => x.toString(16).padStart(2, '0')).join(':')}`);
}
