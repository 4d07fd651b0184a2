// AF_UNIX datagram sockets through the small addon in native/ (Node has none), for the
// mconsole and the uml_switch network transport. Addresses are raw sun_path bytes, so
// abstract addresses (a leading NUL, which uml_mconsole's autobind gives its socket)
// are answered exactly as UML answers them.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface Addon {
  socket(): number;
  bind(fd: number, path: Buffer | null): number;
  sendto(fd: number, data: Buffer, addr: Buffer): number;
  recvfrom(fd: number): [Buffer, Buffer] | null | number;
  watch(fd: number, cb: (events: number) => void, ref: boolean): number;
  watchEvents(fd: number, events: number): number;
  close(fd: number): number;
  // for the uml_switch transport (drivers/net/daemon.ts)
  connect(fd: number, addr: Uint8Array): number;
  send(fd: number, data: Uint8Array): number;
  recvInto(fd: number, buf: Uint8Array): number;
  setBufs(fd: number, rcv: number, snd: number): number;
  rxStart(fd: number, cb: () => void, ringBytes: number): number;
  rxRead(fd: number, buf: Uint8Array): number;
  rxDropped(fd: number): number;
  ctlConnect(path: Uint8Array, request: Uint8Array, replyLen: number, timeoutMs: number): [number, Buffer] | number;
  // for the host process (machine/idletrim.ts, lib/zeropages.ts); absent from an addon built before them
  mallocTrim?(): number;
  zeroPages?(bytes: number): ArrayBuffer | null;
  /** bin/tuml, at start: unmap the read-only file pages mapped so far (bytes of mappings advised, or -errno). */
  dropFilePages?(): number;
  // for hostfs (fs/hostfs/hostwatch.ts; native/inotify.c)
  inotifyInit?(): number;
  inotifyAdd?(fd: number, path: Buffer, mask: number): number;
  inotifyRm?(fd: number, wd: number): number;
  inotifyRead?(fd: number, buf: Uint8Array): number;
}

export const ADDON_PATH = fileURLToPath(new URL('../../native/build/Release/unix_dgram.node', import.meta.url));

let addon: Addon | null = null;
let loadError: string | null = null;

/** The addon, or null with a reason (not built: run `npm run build`). */
export function dgramAddon(): Addon | null {
  if (addon || loadError) return addon;
  try { addon = createRequire(import.meta.url)(ADDON_PATH) as Addon; }
  catch (e) { loadError = `AF_UNIX datagram support is not built (${(e as Error).message.split('\n')[0]}); run 'npm run build'`; }
  return addon;
}
export function dgramUnavailable(): string | null { dgramAddon(); return loadError; }

export const ERRNO: Record<number, string> = { 2: 'ENOENT', 13: 'EACCES', 98: 'EADDRINUSE', 111: 'ECONNREFUSED', 11: 'EAGAIN', 22: 'EINVAL', 20: 'ENOTDIR', 36: 'ENAMETOOLONG', 104: 'ECONNRESET', 110: 'ETIMEDOUT', 88: 'ENOTSOCK' };
export const MSG: Record<string, string> = { ENOENT: 'No such file or directory', ECONNREFUSED: 'Connection refused', EACCES: 'Permission denied', EADDRINUSE: 'Address already in use', ECONNRESET: 'Connection reset by peer', ETIMEDOUT: 'Connection timed out', ENOTSOCK: 'Socket operation on non-socket' };

export class DgramError extends Error {
  constructor(readonly code: string, op: string) { super(`${op}: ${MSG[code] ?? code}`); }
}
function check(r: number, op: string): number {
  if (r < 0) { const c = ERRNO[-r] ?? `errno ${-r}`; throw new DgramError(c, op); }
  return r;
}

export class DgramSocket {
  private fd: number;
  private readonly a: Addon;
  constructor() {
    const a = dgramAddon();
    if (!a) throw new Error(loadError ?? 'no AF_UNIX datagram support');
    this.a = a;
    this.fd = check(a.socket(), 'socket');
  }
  /** Bind to a filesystem path, or autobind to an abstract address (null). */
  bind(path: string | null): void { check(this.a.bind(this.fd, path === null ? null : Buffer.from(path)), `bind ${path ?? ''}`); }
  /** Send one datagram; addr is a path or raw address bytes from a received message. */
  send(data: Uint8Array, addr: string | Buffer): number {
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
    return check(this.a.sendto(this.fd, b, typeof addr === 'string' ? Buffer.from(addr) : addr), 'sendto');
  }
  /** One waiting datagram, or null. */
  recv(): { data: Buffer; addr: Buffer } | null {
    const r = this.a.recvfrom(this.fd);
    if (r === null) return null;
    if (typeof r === 'number') { check(r, 'recvfrom'); return null; }
    return { data: r[0], addr: r[1] };
  }
  /** Call onMessage for every datagram; ref=false lets Node exit while listening. */
  listen(onMessage: (data: Buffer, addr: Buffer) => void, ref = true): void {
    this.a.watch(this.fd, () => {
      for (let m = this.recv(); m !== null && this.fd >= 0; m = this.recv()) onMessage(m.data, m.addr);
    }, ref);
  }
  close(): void { if (this.fd >= 0) { this.a.close(this.fd); this.fd = -1; } }
}
