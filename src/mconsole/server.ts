// The mconsole server: an AF_UNIX datagram socket in the umid directory, answering UML's
// protocol (protocol.ts) with the commands UML has, matched by prefix as UML matches them.
import path from 'node:path';
import fs from 'node:fs';
import type { Machine } from '../machine/boot.js';
import * as mg from '../machine/mgmt.js';
import { checkpoint } from '../machine/checkpoint/index.js';
import { DgramSocket } from './dgram.js';
import { parseRequest, encodeReply, encodeNotify, V0_REFUSAL, NOTIFY_SOCKET } from './protocol.js';

export const HELP_TEXT = `Commands:
    version - Get kernel version
    help - Print this message
    halt - Halt UML
    reboot - Reboot UML
    config <dev>=<config> - Add a new device to UML;
        same syntax as command line
    config <dev> - Query the configuration of a device
    remove <dev> - Remove a device from UML
    sysrq <letter> - Performs the SysRq action controlled by the letter
    cad - invoke the Ctrl-Alt-Del handler
    stop - pause the UML; it will do nothing until it receives a 'go'
    go - continue the UML after a 'stop'
    log <string> - make UML enter <string> into the kernel log
    proc <file> - returns the contents of the UML's /proc/<file>
    stack <pid> - returns the stack of the specified pid
    checkpoint <file> - write the whole machine to <file> (tuml restore=<file> resumes it)
`;

type Result = string | { error: string };
type Handler = (m: Machine, arg: string) => Result;

// The socket does not keep Node alive (so a deadlocked machine is still detected when
// the event loop runs dry); a stopped machine must stay, so `stop` holds a timer until go.
let keepAlive: NodeJS.Timeout | null = null;
function hold(on: boolean): void {
  if (on && keepAlive === null) keepAlive = setInterval(() => {}, 1 << 30);
  if (!on && keepAlive !== null) { clearInterval(keepAlive); keepAlive = null; }
}

const COMMANDS: [string, Handler][] = [
  ['version', (m) => mg.versionString(m)],
  ['halt', (m) => { hold(false); setImmediate(() => mg.halt(m, false, 'mconsole: halt')); return ''; }],
  ['reboot', (m) => { hold(false); setImmediate(() => mg.halt(m, true, 'mconsole: reboot')); return ''; }],
  ['config', (m, a) => mg.config(m, a)],
  ['remove', (m, a) => mg.remove(m, a)],
  ['sysrq', (m, a) => mg.sysrq(m, a.trim().charAt(0))],
  ['help', () => HELP_TEXT],
  ['cad', (m) => { mg.ctrlAltDel(m); return ''; }],
  ['stop', (m) => (mg.stop(m) ? (hold(true), 'stopped') : { error: 'Already stopped' })],
  ['go', (m) => (mg.go(m) ? (hold(false), '') : { error: 'Not stopped' })],
  ['log', (m, a) => { m.kernel.log(a.replace(/^ /, '')); return ''; }],
  ['proc', (m, a) => mg.readProc(m, a.trim())],
  ['checkpoint', (m, a) => checkpoint(m, a.trim(), m.argv ?? [])],
  ['stack', (m, a) => {
    const pid = Number(a.trim());
    return Number.isInteger(pid) && a.trim() !== '' ? mg.stack(m, pid) : { error: 'Failed to parse pid' };
  }],
];

/** Answer one request text; exported for unit tests. */
export function runCommand(m: Machine | null, cmd: string): { text: string; err: boolean } {
  for (const [name, fn] of COMMANDS) {
    if (!cmd.startsWith(name)) continue;
    if (!m) return { text: 'The machine is not running', err: true };
    try {
      const r = fn(m, cmd.slice(name.length));
      return typeof r === 'string' ? { text: r, err: false } : { text: r.error, err: true };
    } catch (e) {
      return { text: `Internal error: ${(e as Error).message}`, err: true };
    }
  }
  return { text: 'Unknown command', err: true };
}

export class MconsoleServer {
  readonly path: string;
  private sock: DgramSocket;

  constructor(dir: string, private readonly machine: () => Machine | null, log: (s: string) => void, notify: string | null) {
    this.path = path.join(dir, 'mconsole');
    try { fs.unlinkSync(this.path); } catch { /* none */ }
    this.sock = new DgramSocket();
    this.sock.bind(this.path);
    this.sock.listen((data, addr) => this.onRequest(data, addr), false);
    if (notify !== null) {
      try { this.sock.send(encodeNotify(NOTIFY_SOCKET, this.path), notify); }
      catch (e) { log(`mconsole_notify - sendto failed: ${(e as Error).message}`); }
    }
  }

  private reply(addr: Buffer, text: string, err: boolean): void {
    if (addr.length === 0) return; // an unbound client cannot be answered
    for (const b of encodeReply(text, err)) {
      try { this.sock.send(b, addr); } catch { return; /* client gone */ }
    }
  }

  private onRequest(data: Buffer, addr: Buffer): void {
    const r = parseRequest(data);
    if (r.kind === 'v0') {
      if (addr.length) try { this.sock.send(Buffer.from(V0_REFUSAL, 'latin1'), addr); } catch { /* gone */ }
      return;
    }
    if (r.kind === 'error') { this.reply(addr, r.message, true); return; }
    const res = runCommand(this.machine(), r.cmd);
    this.reply(addr, res.text, res.err);
  }

  close(): void {
    this.sock.close();
    try { fs.unlinkSync(this.path); } catch { /* gone */ }
  }
}
