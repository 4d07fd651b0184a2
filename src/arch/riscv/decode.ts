// RV64GC decoder. Each instruction decodes to one slot of a per-page cache, two int32s:
//   slot[0] = op | rd << 7 | rs1 << 14 | rs2 << 21 | length << 28   (op: an Op id, bits 0-6;
//             rd/rs1/rs2: 7-bit register pair indices into Hart.x (2*reg, an integer rd of
//             x0 becomes the sink pair X_SINK); length: 2 or 4 bytes). 0 means "not decoded
//             yet" (Op.UNDECODED): a decoded word always has a non-zero op.
//   slot[1] = immediate (sign-extended; shift amount; AMO function), or for the ops that
//             need them (CSR, FP, ILLEGAL) the raw instruction bits (16-bit for compressed).
// A page has one slot per 2-byte offset, so the slot of page offset `off` starts at
// index `off`: SLOT_WORDS * 2048 int32s (16 KiB) per page.
import { X_SINK } from './hart.js';

export const SLOT_WORDS = 2;
export const PAGE_SLOTS_WORDS = SLOT_WORDS * 2048;
/** Fields of slot[0] (see the header): the op's mask and the bit positions of the others. */
export const enum Slot { OP = 127, RD = 7, RS1 = 14, RS2 = 21, LEN = 28 }

/** Op ids (fewer than 128: they fill slot[0]'s low 7 bits). */
export const enum Op {
  UNDECODED = 0, ILLEGAL,
  LUI, AUIPC, JAL, JALR, BEQ, BNE, BLT, BGE, BLTU, BGEU,
  LB, LH, LW, LD, LBU, LHU, LWU, SB, SH, SW, SD,
  ADDI, SLTI, SLTIU, XORI, ORI, ANDI, SLLI, SRLI, SRAI,
  ADD, SUB, SLL, SLT, SLTU, XOR, SRL, SRA, OR, AND,
  ADDIW, SLLIW, SRLIW, SRAIW, ADDW, SUBW, SLLW, SRLW, SRAW,
  FENCE, FENCE_I, ECALL, EBREAK, CSR,
  MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU, MULW, DIVW, DIVUW, REMW, REMUW,
  LR_W, SC_W, AMO_W, LR_D, SC_D, AMO_D,
  FLW, FLD, FSW, FSD, FP,
  LI, MV, J, BEQZ, BNEZ,
  /**
   * Not decoded from guest code: the JIT's mark on an instruction where a translated region
   * starts (jit/jit.ts); it replaces only the op field of slot[0].
   */
  JIT_ENTRY,
}

/** AMO function codes (funct5), kept in slot[1] for Op.AMO_W / Op.AMO_D. */
export const AMO_ADD = 0, AMO_SWAP = 1, AMO_XOR = 4, AMO_OR = 8, AMO_AND = 12,
  AMO_MIN = 16, AMO_MAX = 20, AMO_MINU = 24, AMO_MAXU = 28;

/** Decode a 32-bit instruction (or the expansion of a compressed one) into out[s], out[s + 1]. */
export function decodeInto(inst: number, raw: number, len: number, out: Int32Array, s: number): number {
  const opc = inst & 127;
  const rdn = (inst >>> 7) & 31;
  const f3 = (inst >>> 12) & 7;
  const rs1n = (inst >>> 15) & 31;
  const rs2n = (inst >>> 20) & 31;
  const f7 = inst >>> 25;
  let rd = (rdn === 0 ? X_SINK : rdn) * 2;
  let rs1 = rs1n * 2;
  let rs2 = rs2n * 2;
  let imm = inst >> 20;        // I-type
  let op: number = Op.ILLEGAL;
  switch (opc) {
    case 0x37: op = Op.LUI; imm = inst & 0xfffff000; break;
    case 0x17: op = Op.AUIPC; imm = inst & 0xfffff000; break;
    case 0x6f:
      imm = (((inst >> 31) << 20) | (((inst >>> 21) & 1023) << 1) | (((inst >>> 20) & 1) << 11) |
        (((inst >>> 12) & 255) << 12));
      op = rdn === 0 ? Op.J : Op.JAL;
      break;
    case 0x67: if (f3 === 0) op = Op.JALR; break;
    case 0x63:
      imm = ((inst >> 31) << 12) | (((inst >>> 25) & 63) << 5) | (((inst >>> 8) & 15) << 1) | (((inst >>> 7) & 1) << 11);
      switch (f3) {
        case 0: op = rs2n === 0 ? Op.BEQZ : Op.BEQ; break;
        case 1: op = rs2n === 0 ? Op.BNEZ : Op.BNE; break;
        case 4: op = Op.BLT; break;
        case 5: op = Op.BGE; break;
        case 6: op = Op.BLTU; break;
        case 7: op = Op.BGEU; break;
      }
      break;
    case 0x03:
      if (f3 !== 7) op = [Op.LB, Op.LH, Op.LW, Op.LD, Op.LBU, Op.LHU, Op.LWU][f3];
      break;
    case 0x23:
      imm = ((inst >> 25) << 5) | ((inst >>> 7) & 31);
      if (f3 < 4) op = [Op.SB, Op.SH, Op.SW, Op.SD][f3];
      break;
    case 0x07: // LOAD-FP: rd is an FP register (no sink)
      rd = rdn * 2;
      if (f3 === 2) op = Op.FLW; else if (f3 === 3) op = Op.FLD;
      break;
    case 0x27: // STORE-FP: rs2 is an FP register
      imm = ((inst >> 25) << 5) | ((inst >>> 7) & 31);
      if (f3 === 2) op = Op.FSW; else if (f3 === 3) op = Op.FSD;
      break;
    case 0x13:
      switch (f3) {
        case 0: op = rs1n === 0 ? Op.LI : imm === 0 ? Op.MV : Op.ADDI; break;
        case 2: op = Op.SLTI; break;
        case 3: op = Op.SLTIU; break;
        case 4: op = Op.XORI; break;
        case 6: op = Op.ORI; break;
        case 7: op = Op.ANDI; break;
        case 1: if ((inst >>> 26) === 0) { op = Op.SLLI; imm = (inst >>> 20) & 63; } break;
        case 5:
          if ((inst >>> 26) === 0) { op = Op.SRLI; imm = (inst >>> 20) & 63; }
          else if ((inst >>> 26) === 0x10) { op = Op.SRAI; imm = (inst >>> 20) & 63; }
          break;
      }
      break;
    case 0x1b:
      switch (f3) {
        case 0: op = Op.ADDIW; break;
        case 1: if (f7 === 0) { op = Op.SLLIW; imm = rs2n; } break;
        case 5:
          if (f7 === 0) { op = Op.SRLIW; imm = rs2n; }
          else if (f7 === 0x20) { op = Op.SRAIW; imm = rs2n; }
          break;
      }
      break;
    case 0x33:
      if (f7 === 0) op = [Op.ADD, Op.SLL, Op.SLT, Op.SLTU, Op.XOR, Op.SRL, Op.OR, Op.AND][f3];
      else if (f7 === 1) op = [Op.MUL, Op.MULH, Op.MULHSU, Op.MULHU, Op.DIV, Op.DIVU, Op.REM, Op.REMU][f3];
      else if (f7 === 0x20) op = f3 === 0 ? Op.SUB : f3 === 5 ? Op.SRA : Op.ILLEGAL;
      if (op === Op.ADD && rs1n === 0) { op = Op.MV; rs1 = rs2; imm = 0; }
      break;
    case 0x3b:
      if (f7 === 0) op = f3 === 0 ? Op.ADDW : f3 === 1 ? Op.SLLW : f3 === 5 ? Op.SRLW : Op.ILLEGAL;
      else if (f7 === 0x20) op = f3 === 0 ? Op.SUBW : f3 === 5 ? Op.SRAW : Op.ILLEGAL;
      else if (f7 === 1) {
        op = f3 === 0 ? Op.MULW : f3 === 4 ? Op.DIVW : f3 === 5 ? Op.DIVUW : f3 === 6 ? Op.REMW :
          f3 === 7 ? Op.REMUW : Op.ILLEGAL;
      }
      break;
    case 0x0f:
      if (f3 === 0) op = Op.FENCE; else if (f3 === 1) op = Op.FENCE_I;
      break;
    case 0x73:
      if (f3 === 0) {
        if (inst === 0x00000073) op = Op.ECALL;
        else if (inst === 0x00100073) op = Op.EBREAK;
      } else if (f3 !== 4) {
        op = Op.CSR;
      }
      break;
    case 0x2f: {
      if (f3 !== 2 && f3 !== 3) break;
      const f5 = inst >>> 27;
      const w = f3 === 2;
      imm = f5;
      if (f5 === 2) { if (rs2n === 0) op = w ? Op.LR_W : Op.LR_D; }
      else if (f5 === 3) op = w ? Op.SC_W : Op.SC_D;
      else if (f5 === AMO_ADD || f5 === AMO_SWAP || f5 === AMO_XOR || f5 === AMO_OR || f5 === AMO_AND ||
        f5 === AMO_MIN || f5 === AMO_MAX || f5 === AMO_MINU || f5 === AMO_MAXU) op = w ? Op.AMO_W : Op.AMO_D;
      break;
    }
    case 0x53: case 0x43: case 0x47: case 0x4b: case 0x4f:
      if (len === 4) op = Op.FP;
      break;
  }
  out[s] = op | (rd << Slot.RD) | (rs1 << Slot.RS1) | (rs2 << Slot.RS2) | (len << Slot.LEN);
  out[s + 1] = op === Op.CSR || op === Op.FP || op === Op.ILLEGAL ? raw : imm;
  return op;
}
