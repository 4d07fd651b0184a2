// Classic BPF (SO_ATTACH_FILTER): the checker and the interpreter. A program is the
// guest's struct sock_filter array (u16 code, u8 jt, u8 jf, u32 k, little-endian). The
// checker applies Linux's bpf_check_classic rules (length, opcodes, jump targets,
// division by a constant zero, scratch-memory use before a store, a final RET) so a bad
// program is EINVAL at attach time; the interpreter then never throws and allocates
// nothing per packet. The filter's return value is how many bytes to keep (0 drops).

export const BPF_MAXINSNS = 4096;
const BPF_MEMWORDS = 16;

// Instruction classes, sizes, modes, ALU/JMP operations (linux/bpf_common.h, filter.h).
const LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, RET = 0x06, MISC = 0x07;
const W = 0x00, H = 0x08, B = 0x10;
const IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0;
const ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70, NEG = 0x80,
  MOD = 0x90, XOR = 0xa0;
const JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;
const SRC_X = 0x08;
const RVAL_A = 0x10, RVAL_X = 0x08;
const TAX = 0x00, TXA = 0x80;

// Ancillary data: loads at negative offsets (SKF_AD_OFF + n, SKF_NET_OFF, SKF_LL_OFF).
const SKF_AD_OFF = -0x1000, SKF_NET_OFF = -0x100000, SKF_LL_OFF = -0x200000;
const SKF_AD_PROTOCOL = 0, SKF_AD_PKTTYPE = 4, SKF_AD_IFINDEX = 8, SKF_AD_MARK = 20, SKF_AD_QUEUE = 24,
  SKF_AD_HATYPE = 28, SKF_AD_RXHASH = 32, SKF_AD_CPU = 36, SKF_AD_VLAN_TAG = 44, SKF_AD_VLAN_TAG_PRESENT = 48,
  SKF_AD_PAY_OFFSET = 52, SKF_AD_RANDOM = 56, SKF_AD_VLAN_TPID = 60;

/** What a filter sees of a packet besides its bytes. */
export interface BpfPacket {
  /** The bytes the socket would receive (offset 0 is where the filter's offsets start). */
  data: Uint8Array;
  /** Offsets of the link-layer and network headers within data (-1: absent). */
  llOff: number; netOff: number;
  protocol: number; pkttype: number; ifindex: number; hatype: number;
}

/** A checked program, decoded into parallel arrays. */
export class BpfProgram {
  readonly code: Uint16Array; readonly jt: Uint8Array; readonly jf: Uint8Array; readonly k: Int32Array;
  private readonly mem = new Uint32Array(BPF_MEMWORDS);
  /** The guest's bytes (SO_GET_FILTER gives them back). */
  readonly raw: Uint8Array;
  private constructor(raw: Uint8Array, n: number) {
    this.raw = raw;
    this.code = new Uint16Array(n); this.jt = new Uint8Array(n); this.jf = new Uint8Array(n); this.k = new Int32Array(n);
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) {
      this.code[i] = v.getUint16(i * 8, true); this.jt[i] = raw[i * 8 + 2]; this.jf[i] = raw[i * 8 + 3];
      this.k[i] = v.getInt32(i * 8 + 4, true);
    }
  }
  get length(): number { return this.code.length; }

  /** Check `raw` (n instructions of 8 bytes): the program, or null when Linux says EINVAL. */
  static load(raw: Uint8Array): BpfProgram | null {
    const n = raw.length / 8;
    if (n < 1 || n > BPF_MAXINSNS || n !== Math.floor(n)) return null;
    const p = new BpfProgram(raw.slice(), n);
    return p.check() ? p : null;
  }

  private check(): boolean {
    const n = this.code.length;
    const masks = new Uint16Array(n).fill(0xffff);
    let memvalid = 0;
    for (let pc = 0; pc < n; pc++) {
      const c = this.code[pc], k = this.k[pc] >>> 0;
      if (c > 0xff) return false;
      memvalid &= masks[pc];
      switch (c & 7) {
        case LD: case LDX: {
          const mode = c & 0xe0, size = c & 0x18;
          if ((c & 7) === LDX) {
            if (!(c === (LDX | W | IMM) || c === (LDX | W | MEM) || c === (LDX | W | LEN) || c === (LDX | B | MSH))) return false;
          } else {
            if (mode === IMM || mode === MEM || mode === LEN) { if (size !== W) return false; }
            else if (mode !== ABS && mode !== IND) return false;
            else if (size === 0x18) return false;
          }
          if (mode === MEM) { if (k >= BPF_MEMWORDS || !(memvalid & (1 << k))) return false; }
          break;
        }
        case ST: case STX:
          if (c !== ST && c !== STX) return false;
          if (k >= BPF_MEMWORDS) return false;
          memvalid |= 1 << k;
          break;
        case ALU: {
          const op = c & 0xf0;
          if (op > XOR || (c & 0x07) !== ALU || (c & ~0xff) !== 0) return false;
          if (op === NEG) { if (c !== (ALU | NEG)) return false; break; }
          if (!(c & SRC_X) && (op === DIV || op === MOD) && k === 0) return false;
          if (!(c & SRC_X) && (op === LSH || op === RSH) && k >= 32) return false;
          break;
        }
        case JMP: {
          const op = c & 0xf0;
          if (op === JA) {
            if (c !== (JMP | JA) || k >= n - pc - 1) return false;
            masks[pc + 1 + k] &= memvalid; memvalid = 0xffff;
          } else {
            if (op > JSET || (c & ~0xf8 & 0xffff) !== JMP) return false;
            if (pc + this.jt[pc] + 1 >= n || pc + this.jf[pc] + 1 >= n) return false;
            masks[pc + 1 + this.jt[pc]] &= memvalid; masks[pc + 1 + this.jf[pc]] &= memvalid; memvalid = 0xffff;
          }
          break;
        }
        case RET: {
          const r = c & 0x18;
          // Linux takes RET|K and RET|A only (not BSD's RET|X).
          if (c !== (RET | r) || r === 0x18 || r === RVAL_X) return false;
          memvalid = 0xffff;
          break;
        }
        case MISC:
          if (c !== (MISC | TAX) && c !== (MISC | TXA)) return false;
          break;
      }
    }
    return (this.code[n - 1] & 7) === RET;
  }

  /** Run over a packet: the number of bytes to keep (0: drop). */
  run(p: BpfPacket): number {
    const code = this.code, jt = this.jt, jf = this.jf, kk = this.k, mem = this.mem, n = code.length;
    // No need to clear M[]: the checker proved every slot is stored before it is loaded.
    let A = 0, X = 0;
    for (let pc = 0; pc < n; pc++) {
      const c = code[pc], k = kk[pc];
      switch (c & 7) {
        case LD: {
          switch (c & 0xe0) {
            case IMM: A = k >>> 0; break;
            case MEM: A = mem[k]; break;
            case LEN: A = p.data.length; break;
            case ABS: case IND: {
              const off = (c & 0xe0) === IND ? ((X + k) | 0) : k;
              const v = load(p, off, c & 0x18);
              if (v < 0) return 0;
              A = v;
              break;
            }
          }
          break;
        }
        case LDX:
          switch (c & 0xe0) {
            case IMM: X = k >>> 0; break;
            case MEM: X = mem[k]; break;
            case LEN: X = p.data.length; break;
            case MSH: { const v = load(p, k, B); if (v < 0) return 0; X = (v & 0xf) << 2; break; }
          }
          break;
        case ST: mem[k] = A; break;
        case STX: mem[k] = X; break;
        case ALU: {
          const s = (c & SRC_X) ? X : k >>> 0;
          switch (c & 0xf0) {
            case ADD: A = (A + s) >>> 0; break;
            case SUB: A = (A - s) >>> 0; break;
            case MUL: A = Math.imul(A, s) >>> 0; break;
            case DIV: if (s === 0) return 0; A = Math.floor(A / s) >>> 0; break;
            case MOD: if (s === 0) return 0; A = (A % s) >>> 0; break;
            case OR: A = (A | s) >>> 0; break;
            case AND: A = (A & s) >>> 0; break;
            case XOR: A = (A ^ s) >>> 0; break;
            case LSH: A = s >= 32 ? 0 : (A << s) >>> 0; break;
            case RSH: A = s >= 32 ? 0 : A >>> s; break;
            case NEG: A = (-A) >>> 0; break;
          }
          break;
        }
        case JMP: {
          const op = c & 0xf0;
          if (op === JA) { pc += k >>> 0; break; }
          const s = (c & SRC_X) ? X : k >>> 0;
          const t = op === JEQ ? A === s : op === JGT ? A > s : op === JGE ? A >= s : (A & s) !== 0;
          pc += t ? jt[pc] : jf[pc];
          break;
        }
        case RET: {
          const r = c & 0x18;
          return r === RVAL_A ? A : r === RVAL_X ? X : k >>> 0;
        }
        case MISC: if ((c & 0xf8) === TAX) X = A; else A = X; break;
      }
    }
    return 0;
  }
}

/** A load of `size` at `off` (negative offsets reach ancillary data); -1 when out of range. */
function load(p: BpfPacket, off: number, size: number): number {
  const d = p.data;
  let base = 0;
  if (off < 0) {
    if (off >= SKF_AD_OFF) {
      if (size !== W) return -1;
      switch (off - SKF_AD_OFF) {
        case SKF_AD_PROTOCOL: return p.protocol;
        case SKF_AD_PKTTYPE: return p.pkttype;
        case SKF_AD_IFINDEX: return p.ifindex;
        case SKF_AD_HATYPE: return p.hatype;
        case SKF_AD_MARK: case SKF_AD_QUEUE: case SKF_AD_RXHASH: case SKF_AD_CPU: case SKF_AD_VLAN_TAG:
        case SKF_AD_VLAN_TAG_PRESENT: case SKF_AD_VLAN_TPID: return 0;
        case SKF_AD_PAY_OFFSET: return p.netOff >= 0 ? p.netOff : 0;
        case SKF_AD_RANDOM: return (Math.random() * 0x100000000) >>> 0;
        default: return -1;
      }
    }
    if (off >= SKF_NET_OFF && off < SKF_NET_OFF + 0x100000) { if (p.netOff < 0) return -1; base = p.netOff; off -= SKF_NET_OFF; }
    else if (off >= SKF_LL_OFF && off < SKF_LL_OFF + 0x100000) { if (p.llOff < 0) return -1; base = p.llOff; off -= SKF_LL_OFF; }
    else return -1;
  }
  const i = base + off;
  const len = size === W ? 4 : size === H ? 2 : 1;
  if (i < 0 || i + len > d.length) return -1;
  if (size === W) return ((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0;
  if (size === H) return (d[i] << 8) | d[i + 1];
  return d[i];
}
