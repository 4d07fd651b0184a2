// UML's mconsole wire protocol, version 2, in host byte order (arch/um/include/shared/
// mconsole.h): a request is {u32 magic, u32 version, u32 len, char data[512]}, a reply
// {u32 err, u32 more, u32 len, char data[512]} where len counts the data's NUL and a
// long reply comes in chunks with `more` set on all but the last. A notification
// (mconsole=notify:) is {u32 magic, u32 version, u32 type, u32 len, char data[512]}.
import { endianness } from 'node:os';

export const MCONSOLE_MAGIC = 0xcafebabe;
export const MCONSOLE_VERSION = 2;
export const MCONSOLE_MAX_DATA = 512;
export const REQUEST_SIZE = 12 + MCONSOLE_MAX_DATA;
export const NOTIFY_SOCKET = 0, NOTIFY_PANIC = 1, NOTIFY_HANG = 2, NOTIFY_USER = 3;

const LE = endianness() === 'LE';
const rd = (b: Buffer, o: number): number => (LE ? b.readUInt32LE(o) : b.readUInt32BE(o));
const wr = (b: Buffer, v: number, o: number): void => { if (LE) b.writeUInt32LE(v >>> 0, o); else b.writeUInt32BE(v >>> 0, o); };

export function encodeRequest(cmd: string, version = MCONSOLE_VERSION): Buffer {
  const data = Buffer.from(cmd, 'latin1');
  const b = Buffer.alloc(REQUEST_SIZE);
  wr(b, MCONSOLE_MAGIC, 0); wr(b, version, 4); wr(b, Math.min(data.length, MCONSOLE_MAX_DATA - 1), 8);
  data.copy(b, 12, 0, MCONSOLE_MAX_DATA - 1);
  return b;
}

export type ParsedRequest =
  | { kind: 'ok'; cmd: string }
  | { kind: 'v0'; text: string }          // unversioned: answered with a bare string
  | { kind: 'error'; message: string };   // answered with err=1

/** Parse a datagram as UML's mconsole_get_request does. */
export function parseRequest(b: Buffer): ParsedRequest {
  if (b.length < 4 || rd(b, 0) !== MCONSOLE_MAGIC) {
    const z = b.indexOf(0);
    return { kind: 'v0', text: b.subarray(0, Math.min(z < 0 ? b.length : z, MCONSOLE_MAX_DATA - 1)).toString('latin1') };
  }
  if (b.length < 12) return { kind: 'error', message: 'Request too short' };
  const version = rd(b, 4), len = rd(b, 8);
  if (len >= MCONSOLE_MAX_DATA) return { kind: 'error', message: 'Request too large' };
  if (version !== MCONSOLE_VERSION) return { kind: 'error', message: `This driver only supports version ${MCONSOLE_VERSION} clients` };
  let data = b.subarray(12, 12 + len);
  const z = data.indexOf(0);
  if (z >= 0) data = data.subarray(0, z);
  return { kind: 'ok', cmd: data.toString('latin1') };
}

export const V0_REFUSAL = 'ERR Version 0 mconsole clients are not supported by this driver';

/** A reply as datagrams: chunks of at most 511 bytes, `more` on all but the last. */
export function encodeReply(text: string, err: boolean, more = false): Buffer[] {
  const data = Buffer.from(text, 'latin1');
  const out: Buffer[] = [];
  let off = 0, e = err;
  do {
    const n = Math.min(data.length - off, MCONSOLE_MAX_DATA - 1);
    const last = off + n === data.length;
    const b = Buffer.alloc(12 + n + 1);
    wr(b, e ? 1 : 0, 0); wr(b, last ? (more ? 1 : 0) : 1, 4); wr(b, n + 1, 8);
    data.copy(b, 12, off, off + n);
    out.push(b);
    e = false;
    off += n;
  } while (off < data.length);
  return out;
}

export interface Reply { err: number; more: boolean; text: string }
export function decodeReply(b: Buffer): Reply | null {
  if (b.length < 12) return null;
  const len = Math.min(rd(b, 8), b.length - 12);
  let data = b.subarray(12, 12 + len);
  const z = data.indexOf(0);
  if (z >= 0) data = data.subarray(0, z);
  return { err: rd(b, 0), more: rd(b, 4) !== 0, text: data.toString('latin1') };
}

export function encodeNotify(type: number, data: string): Buffer {
  const d = Buffer.from(data + '\0', 'latin1').subarray(0, MCONSOLE_MAX_DATA);
  const b = Buffer.alloc(16 + d.length);
  wr(b, MCONSOLE_MAGIC, 0); wr(b, MCONSOLE_VERSION, 4); wr(b, type, 8); wr(b, d.length, 12);
  d.copy(b, 16);
  return b;
}
export function decodeNotify(b: Buffer): { type: number; data: string } | null {
  if (b.length < 16 || rd(b, 0) !== MCONSOLE_MAGIC) return null;
  const len = Math.min(rd(b, 12), b.length - 16);
  let d = b.subarray(16, 16 + len);
  const z = d.indexOf(0);
  if (z >= 0) d = d.subarray(0, z);
  return { type: rd(b, 8), data: d.toString('latin1') };
}
