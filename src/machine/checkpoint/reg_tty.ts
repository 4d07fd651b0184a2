// Checkpoint registrations of terminals: the consoles and serial lines are the fresh
// machine's ttys (their host channels are given again on restore) and take the saved
// termios, window size, session, foreground group and line-discipline buffers; pty pairs
// are saved whole (both sides live in the kernel).
import { registerClass } from './graph.js';
import { Tty, TtyFile } from '../../drivers/tty/tty.js';
import { NTty } from '../../drivers/tty/n_tty.js';
import { Termios } from '../../drivers/tty/termios.js';
import { PtyPair, PtyMaster, SlaveDriver } from '../../drivers/tty/pty.js';
import { ChanTtyDriver } from '../../drivers/tty/lines.js';
import { HostConsoleDriver } from '../../drivers/tty/console.js';
import { HostOutput } from '../../drivers/chan/hostfd.js';

/** A tty on a host channel (console or line) is known by name on both machines. */
function hostTty(t: Tty): boolean { return t.driver instanceof ChanTtyDriver || t.driver instanceof HostConsoleDriver; }

registerClass({
  name: 'Tty', ctor: Tty,
  key: (t: Tty) => (hostTty(t) ? `tty:${t.ttyName}` : null),
  into: (ctx, key) => ctx.extern(key) as Tty | undefined,
  // the host's end-of-input belongs to the channel; a pty's flow hook is rebuilt
  skip: ['hostEof', 'onFlowChange'],
  fields: {
    // a host tty keeps the restoring machine's driver (its channel); a pty's is saved
    driver: { save: (d: unknown, t: Tty) => (hostTty(t) ? null : d), load: (d: unknown, t: Tty) => d ?? t.driver },
  },
  init: (t: Tty) => {
    if (t.onFlowChange === undefined) t.onFlowChange = null;
    const u = t as unknown as { hostEof?: boolean };
    if (u.hostEof === undefined) u.hostEof = false;
  },
});

registerClass({
  name: 'NTty', ctor: NTty,
  skip: ['deadlines'], // VTIME readers re-arm their deadline when their read is re-executed
  init: (n: NTty) => { (n as unknown as { deadlines: WeakMap<object, number> }).deadlines = new WeakMap(); },
});

for (const [name, ctor] of [['Termios', Termios], ['TtyFile', TtyFile], ['PtyMaster', PtyMaster],
  ['SlaveDriver', SlaveDriver]] as const) registerClass({ name, ctor });

registerClass({
  name: 'PtyPair', ctor: PtyPair,
  init: (p: PtyPair) => {
    const q = p as unknown as { status(bits: number): void };
    p.slave.onFlowChange = (stopped) => q.status(stopped ? 4 /* TIOCPKT_STOP */ : 8 /* TIOCPKT_START */);
  },
});

// init's fd 2 on the host's stderr (a tuml extension): the same host fd after restore.
registerClass({ name: 'HostOutput', ctor: HostOutput });
