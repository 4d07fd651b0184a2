// A tiny RV64 encoder: instruction formats and the mnemonics the tests, the
// benchmark and the RVC expander need. Returns 32-bit encodings as int32.

export function rtype(f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number {
  return ((f7 & 127) << 25) | ((rs2 & 31) << 20) | ((rs1 & 31) << 15) | ((f3 & 7) << 12) | ((rd & 31) << 7) | (op & 127);
}
export function itype(imm: number, rs1: number, f3: number, rd: number, op: number): number {
  return ((imm & 0xfff) << 20) | ((rs1 & 31) << 15) | ((f3 & 7) << 12) | ((rd & 31) << 7) | (op & 127);
}
export function stype(imm: number, rs2: number, rs1: number, f3: number, op: number): number {
  return (((imm >> 5) & 127) << 25) | ((rs2 & 31) << 20) | ((rs1 & 31) << 15) | ((f3 & 7) << 12) |
    ((imm & 31) << 7) | (op & 127);
}
export function btype(imm: number, rs2: number, rs1: number, f3: number, op: number): number {
  return (((imm >> 12) & 1) << 31) | (((imm >> 5) & 63) << 25) | ((rs2 & 31) << 20) | ((rs1 & 31) << 15) |
    ((f3 & 7) << 12) | (((imm >> 1) & 15) << 8) | (((imm >> 11) & 1) << 7) | (op & 127);
}
export function utype(imm: number, rd: number, op: number): number {
  return (imm & 0xfffff000) | ((rd & 31) << 7) | (op & 127);
}
export function jtype(imm: number, rd: number, op: number): number {
  return (((imm >> 20) & 1) << 31) | (((imm >> 1) & 1023) << 21) | (((imm >> 11) & 1) << 20) |
    (((imm >> 12) & 255) << 12) | ((rd & 31) << 7) | (op & 127);
}

type R3 = (rd: number, rs1: number, rs2: number) => number;
type I3 = (rd: number, rs1: number, imm: number) => number;
type S3 = (rs2: number, rs1: number, imm: number) => number;

const r = (f7: number, f3: number, op: number): R3 => (rd, rs1, rs2) => rtype(f7, rs2, rs1, f3, rd, op);
const i = (f3: number, op: number): I3 => (rd, rs1, imm) => itype(imm, rs1, f3, rd, op);
const sh = (f6: number, f3: number, op: number): I3 => (rd, rs1, s) => itype((f6 << 6) | (s & 63), rs1, f3, rd, op);
const ld = (f3: number, op = 0x03): I3 => (rd, rs1, imm) => itype(imm, rs1, f3, rd, op);
const st = (f3: number, op = 0x23): S3 => (rs2, rs1, imm) => stype(imm, rs2, rs1, f3, op);
const br = (f3: number) => (rs1: number, rs2: number, off: number) => btype(off, rs2, rs1, f3, 0x63);
/** AMOs and SC in assembly order: `amoadd.d rd, rs2, (rs1)`. */
const amo = (f5: number, f3: number) => (rd: number, rs2: number, rs1: number) =>
  rtype(f5 << 2, rs2, rs1, f3, rd, 0x2f);
const csr = (f3: number) => (rd: number, c: number, rs1: number) => itype(c, rs1, f3, rd, 0x73);

/** Mnemonic encoders; register arguments are numbers 0..31, in assembly order. */
export const A = {
  lui: (rd: number, imm: number) => utype(imm, rd, 0x37),
  auipc: (rd: number, imm: number) => utype(imm, rd, 0x17),
  jal: (rd: number, off: number) => jtype(off, rd, 0x6f),
  jalr: (rd: number, rs1: number, imm: number) => itype(imm, rs1, 0, rd, 0x67),
  beq: br(0), bne: br(1), blt: br(4), bge: br(5), bltu: br(6), bgeu: br(7),
  lb: ld(0), lh: ld(1), lw: ld(2), ld: ld(3), lbu: ld(4), lhu: ld(5), lwu: ld(6),
  sb: st(0), sh: st(1), sw: st(2), sd: st(3),
  flw: ld(2, 0x07), fld: ld(3, 0x07), fsw: st(2, 0x27), fsd: st(3, 0x27),
  addi: i(0, 0x13), slti: i(2, 0x13), sltiu: i(3, 0x13), xori: i(4, 0x13), ori: i(6, 0x13), andi: i(7, 0x13),
  slli: sh(0, 1, 0x13), srli: sh(0, 5, 0x13), srai: sh(0x10, 5, 0x13),
  add: r(0, 0, 0x33), sub: r(0x20, 0, 0x33), sll: r(0, 1, 0x33), slt: r(0, 2, 0x33), sltu: r(0, 3, 0x33),
  xor: r(0, 4, 0x33), srl: r(0, 5, 0x33), sra: r(0x20, 5, 0x33), or: r(0, 6, 0x33), and: r(0, 7, 0x33),
  addiw: i(0, 0x1b), slliw: sh(0, 1, 0x1b), srliw: sh(0, 5, 0x1b), sraiw: sh(0x10, 5, 0x1b),
  addw: r(0, 0, 0x3b), subw: r(0x20, 0, 0x3b), sllw: r(0, 1, 0x3b), srlw: r(0, 5, 0x3b), sraw: r(0x20, 5, 0x3b),
  mul: r(1, 0, 0x33), mulh: r(1, 1, 0x33), mulhsu: r(1, 2, 0x33), mulhu: r(1, 3, 0x33),
  div: r(1, 4, 0x33), divu: r(1, 5, 0x33), rem: r(1, 6, 0x33), remu: r(1, 7, 0x33),
  mulw: r(1, 0, 0x3b), divw: r(1, 4, 0x3b), divuw: r(1, 5, 0x3b), remw: r(1, 6, 0x3b), remuw: r(1, 7, 0x3b),
  lr_w: (rd: number, rs1: number) => rtype(2 << 2, 0, rs1, 2, rd, 0x2f),
  lr_d: (rd: number, rs1: number) => rtype(2 << 2, 0, rs1, 3, rd, 0x2f),
  sc_w: amo(3, 2), sc_d: amo(3, 3),
  amoswap_w: amo(1, 2), amoadd_w: amo(0, 2), amoxor_w: amo(4, 2), amoand_w: amo(12, 2), amoor_w: amo(8, 2),
  amomin_w: amo(16, 2), amomax_w: amo(20, 2), amominu_w: amo(24, 2), amomaxu_w: amo(28, 2),
  amoswap_d: amo(1, 3), amoadd_d: amo(0, 3), amoxor_d: amo(4, 3), amoand_d: amo(12, 3), amoor_d: amo(8, 3),
  amomin_d: amo(16, 3), amomax_d: amo(20, 3), amominu_d: amo(24, 3), amomaxu_d: amo(28, 3),
  csrrw: csr(1), csrrs: csr(2), csrrc: csr(3), csrrwi: csr(5), csrrsi: csr(6), csrrci: csr(7),
  fence: () => 0x0ff0000f,
  fence_i: () => 0x0000100f,
  ecall: () => 0x00000073,
  ebreak: () => 0x00100073,
  nop: () => 0x00000013,
};
