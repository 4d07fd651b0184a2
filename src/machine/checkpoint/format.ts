// The checkpoint file container: a fixed header, a JSON description, and named sections,
// each deflated and covered by a CRC-32. Reading checks everything before any section is
// used, so a truncated, corrupt or foreign file is refused with one line.
//
//   "TUMLCKPT"  u32 format version  u32 json length  json  u32 crc32(json)
//   then for each section listed in json.sections: its stored (deflated) bytes
import { nodeZlib } from '../../lib/nodemods.js';
const crc32 = (b: Uint8Array | string): number => nodeZlib().crc32(b);
import { CkptError } from './graph.js';

export const MAGIC = 'TUMLCKPT';
/** Bumped whenever the layout of any section changes; other versions are refused. */
export const FORMAT_VERSION = 1;

export interface SectionInfo { name: string; stored: number; size: number; crc: number; }
export interface Header {
  tuml: string;
  /** The command line the machine was booted with (restore parses it again). */
  argv: string[];
  memBytes: number;
  timeTravel: string;
  sections: SectionInfo[];
}

export function writeContainer(h: Omit<Header, 'sections'>, sections: [string, Uint8Array][]): Buffer {
  const infos: SectionInfo[] = [];
  const bodies: Buffer[] = [];
  for (const [name, raw] of sections) {
    const z = nodeZlib().deflateSync(raw, { level: 1 });
    infos.push({ name, stored: z.length, size: raw.length, crc: crc32(z) });
    bodies.push(z);
  }
  const json = Buffer.from(JSON.stringify({ ...h, sections: infos }), 'utf8');
  const head = Buffer.alloc(16);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(FORMAT_VERSION, 8);
  head.writeUInt32LE(json.length, 12);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(json), 0);
  return Buffer.concat([head, json, crc, ...bodies]);
}

/** Parse and verify a checkpoint file's bytes; throws CkptError with a one-line reason. */
export function readContainer(buf: Buffer): { header: Header; section(name: string): Buffer } {
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MAGIC) throw new CkptError('not a tuml checkpoint (bad magic)');
  const ver = buf.readUInt32LE(8);
  if (ver !== FORMAT_VERSION) throw new CkptError(`checkpoint format version ${ver} is not supported (this tuml reads version ${FORMAT_VERSION})`);
  const jl = buf.readUInt32LE(12);
  if (16 + jl + 4 > buf.length) throw new CkptError('truncated checkpoint (header)');
  const json = buf.subarray(16, 16 + jl);
  if (crc32(json) !== buf.readUInt32LE(16 + jl)) throw new CkptError('corrupt checkpoint (header checksum mismatch)');
  let header: Header;
  try { header = JSON.parse(json.toString('utf8')) as Header; } catch { throw new CkptError('corrupt checkpoint (header is not JSON)'); }
  if (!header || !Array.isArray(header.sections) || !Array.isArray(header.argv)) throw new CkptError('corrupt checkpoint (header fields)');
  const where = new Map<string, [SectionInfo, number]>();
  let off = 16 + jl + 4;
  for (const s of header.sections) {
    if (typeof s.stored !== 'number' || s.stored < 0) throw new CkptError('corrupt checkpoint (section table)');
    where.set(s.name, [s, off]);
    off += s.stored;
  }
  if (off > buf.length) throw new CkptError(`truncated checkpoint (${buf.length} of ${off} bytes)`);
  if (off < buf.length) throw new CkptError(`corrupt checkpoint (${buf.length - off} bytes of trailing garbage)`);
  for (const [s, o] of where.values()) {
    if (crc32(buf.subarray(o, o + s.stored)) !== s.crc) throw new CkptError(`corrupt checkpoint (section ${s.name}: checksum mismatch)`);
  }
  return {
    header,
    section(name: string): Buffer {
      const w = where.get(name);
      if (!w) throw new CkptError(`corrupt checkpoint (no section ${name})`);
      const [s, o] = w;
      let raw: Buffer;
      try { raw = nodeZlib().inflateSync(buf.subarray(o, o + s.stored)); } catch { throw new CkptError(`corrupt checkpoint (section ${name} does not inflate)`); }
      if (raw.length !== s.size) throw new CkptError(`corrupt checkpoint (section ${name}: size mismatch)`);
      return raw;
    },
  };
}
