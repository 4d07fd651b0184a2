// RV64C: expand a 16-bit compressed instruction into its 32-bit equivalent, so the
// decoder has one path. Returns 0 (an illegal encoding) for reserved forms.
import { rtype, itype, stype, btype, utype, jtype } from './asm.js';

const bit = (c: number, n: number): number => (c >>> n) & 1;
/** Sign-extend the low `bits` bits of v. */
const sx = (v: number, bits: number): number => (v << (32 - bits)) >> (32 - bits);

export function expand(c: number): number {
  c &= 0xffff;
  const f3 = c >>> 13;
  const rdp = ((c >>> 2) & 7) + 8;   // rd' / rs2' (bits 4:2)
  const rs1p = ((c >>> 7) & 7) + 8;  // rs1' / rd' (bits 9:7)
  const rd = (c >>> 7) & 31;         // rd / rs1 (bits 11:7)
  const rs2 = (c >>> 2) & 31;        // rs2 (bits 6:2)
  const imm6 = sx((bit(c, 12) << 5) | ((c >>> 2) & 31), 6);
  switch (c & 3) {
    case 0: {
      // uimm[5:3] = c[12:10], uimm[7:6] = c[6:5]  (LD/SD/FLD/FSD)
      const ud = (((c >>> 10) & 7) << 3) | (((c >>> 5) & 3) << 6);
      // uimm[5:3] = c[12:10], uimm[2] = c[6], uimm[6] = c[5]  (LW/SW)
      const uw = (((c >>> 10) & 7) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6);
      switch (f3) {
        case 0: { // C.ADDI4SPN
          const nz = (((c >>> 11) & 3) << 4) | (((c >>> 7) & 15) << 6) | (bit(c, 6) << 2) | (bit(c, 5) << 3);
          if (nz === 0) return 0;
          return itype(nz, 2, 0, rdp, 0x13);
        }
        case 1: return itype(ud, rs1p, 3, rdp, 0x07);       // C.FLD
        case 2: return itype(uw, rs1p, 2, rdp, 0x03);       // C.LW
        case 3: return itype(ud, rs1p, 3, rdp, 0x03);       // C.LD
        case 5: return stype(ud, rdp, rs1p, 3, 0x27);       // C.FSD
        case 6: return stype(uw, rdp, rs1p, 2, 0x23);       // C.SW
        case 7: return stype(ud, rdp, rs1p, 3, 0x23);       // C.SD
        default: return 0;
      }
    }
    case 1:
      switch (f3) {
        case 0: return itype(imm6, rd, 0, rd, 0x13);        // C.ADDI (C.NOP)
        case 1: return rd === 0 ? 0 : itype(imm6, rd, 0, rd, 0x1b); // C.ADDIW
        case 2: return itype(imm6, 0, 0, rd, 0x13);         // C.LI
        case 3:
          if (rd === 2) { // C.ADDI16SP
            const nz = sx((bit(c, 12) << 9) | (bit(c, 6) << 4) | (bit(c, 5) << 6) | (((c >>> 3) & 3) << 7) |
              (bit(c, 2) << 5), 10);
            if (nz === 0) return 0;
            return itype(nz, 2, 0, 2, 0x13);
          } else { // C.LUI
            if (imm6 === 0) return 0;
            return utype(imm6 << 12, rd, 0x37);
          }
        case 4: {
          const shamt = (bit(c, 12) << 5) | ((c >>> 2) & 31);
          switch ((c >>> 10) & 3) {
            case 0: return itype(shamt, rs1p, 5, rs1p, 0x13);              // C.SRLI
            case 1: return itype(0x400 | shamt, rs1p, 5, rs1p, 0x13);      // C.SRAI
            case 2: return itype(imm6, rs1p, 7, rs1p, 0x13);               // C.ANDI
            default: {
              const f2 = (c >>> 5) & 3;
              if (bit(c, 12) === 0) {
                switch (f2) {
                  case 0: return rtype(0x20, rdp, rs1p, 0, rs1p, 0x33);    // C.SUB
                  case 1: return rtype(0, rdp, rs1p, 4, rs1p, 0x33);       // C.XOR
                  case 2: return rtype(0, rdp, rs1p, 6, rs1p, 0x33);       // C.OR
                  default: return rtype(0, rdp, rs1p, 7, rs1p, 0x33);      // C.AND
                }
              }
              if (f2 === 0) return rtype(0x20, rdp, rs1p, 0, rs1p, 0x3b);  // C.SUBW
              if (f2 === 1) return rtype(0, rdp, rs1p, 0, rs1p, 0x3b);     // C.ADDW
              return 0;
            }
          }
        }
        case 5: { // C.J
          const off = sx((bit(c, 12) << 11) | (bit(c, 11) << 4) | (((c >>> 9) & 3) << 8) | (bit(c, 8) << 10) |
            (bit(c, 7) << 6) | (bit(c, 6) << 7) | (((c >>> 3) & 7) << 1) | (bit(c, 2) << 5), 12);
          return jtype(off, 0, 0x6f);
        }
        default: { // C.BEQZ / C.BNEZ
          const off = sx((bit(c, 12) << 8) | (((c >>> 10) & 3) << 3) | (((c >>> 5) & 3) << 6) |
            (((c >>> 3) & 3) << 1) | (bit(c, 2) << 5), 9);
          return btype(off, 0, rs1p, f3 === 6 ? 0 : 1, 0x63);
        }
      }
    case 2: {
      // LDSP/FLDSP: uimm[5] = c[12], uimm[4:3] = c[6:5], uimm[8:6] = c[4:2]
      const uld = (bit(c, 12) << 5) | (((c >>> 5) & 3) << 3) | (((c >>> 2) & 7) << 6);
      // SDSP/FSDSP: uimm[5:3] = c[12:10], uimm[8:6] = c[9:7]
      const usd = (((c >>> 10) & 7) << 3) | (((c >>> 7) & 7) << 6);
      switch (f3) {
        case 0: { // C.SLLI
          const shamt = (bit(c, 12) << 5) | ((c >>> 2) & 31);
          return itype(shamt, rd, 1, rd, 0x13);
        }
        case 1: return itype(uld, 2, 3, rd, 0x07);            // C.FLDSP
        case 2: { // C.LWSP: uimm[5] = c[12], uimm[4:2] = c[6:4], uimm[7:6] = c[3:2]
          if (rd === 0) return 0;
          const u = (bit(c, 12) << 5) | (((c >>> 4) & 7) << 2) | (((c >>> 2) & 3) << 6);
          return itype(u, 2, 2, rd, 0x03);
        }
        case 3: return rd === 0 ? 0 : itype(uld, 2, 3, rd, 0x03); // C.LDSP
        case 4:
          if (bit(c, 12) === 0) {
            if (rs2 === 0) return rd === 0 ? 0 : itype(0, rd, 0, 0, 0x67);  // C.JR
            return rtype(0, rs2, 0, 0, rd, 0x33);                           // C.MV
          }
          if (rs2 === 0) {
            if (rd === 0) return 0x00100073;                                // C.EBREAK
            return itype(0, rd, 0, 1, 0x67);                                // C.JALR
          }
          return rtype(0, rs2, rd, 0, rd, 0x33);                            // C.ADD
        case 5: return stype(usd, rs2, 2, 3, 0x27);           // C.FSDSP
        case 6: { // C.SWSP: uimm[5:2] = c[12:9], uimm[7:6] = c[8:7]
          const u = (((c >>> 9) & 15) << 2) | (((c >>> 7) & 3) << 6);
          return stype(u, rs2, 2, 2, 0x23);
        }
        default: return stype(usd, rs2, 2, 3, 0x23);          // C.SDSP
      }
    }
    default: return 0; // not a compressed instruction
  }
}
