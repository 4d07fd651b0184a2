import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfProgram, BpfPacket } from './bpf.js';

type Ins = [number, number, number, number];
function prog(...ins: Ins[]): Uint8Array {
  const b = new Uint8Array(ins.length * 8), v = new DataView(b.buffer);
  ins.forEach(([code, jt, jf, k], i) => { v.setUint16(i * 8, code, true); b[i * 8 + 2] = jt; b[i * 8 + 3] = jf; v.setUint32(i * 8 + 4, k >>> 0, true); });
  return b;
}
const stmt = (code: number, k = 0): Ins => [code, 0, 0, k];
const jump = (code: number, k: number, jt: number, jf: number): Ins => [code, jt, jf, k];
function pkt(data: number[] | Uint8Array, o: Partial<BpfPacket> = {}): BpfPacket {
  return { data: Uint8Array.from(data), llOff: -1, netOff: 0, protocol: 0x0008, pkttype: 0, ifindex: 2, hatype: 1, ...o };
}
function run(p: Uint8Array, d: BpfPacket): number {
  const x = BpfProgram.load(p);
  assert.ok(x, 'program accepted');
  return x!.run(d);
}

// Opcodes (linux/bpf_common.h).
const LD = 0, LDX = 1, ST = 2, STX = 3, ALU = 4, JMP = 5, RET = 6, MISC = 7;
const W = 0, H = 8, B = 0x10, IMM = 0, ABS = 0x20, IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0;
const K = 0, X = 8, A = 0x10;
const JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;

/** udhcpc's historical filter: IPv4/UDP, not a fragment, destination port 68. */
const UDHCPC = prog(
  stmt(LD | B | ABS, 9), jump(JMP | JEQ | K, 17, 0, 6), stmt(LD | H | ABS, 6), jump(JMP | JSET | K, 0x1fff, 4, 0),
  stmt(LDX | B | MSH, 0), stmt(LD | H | IND, 2), jump(JMP | JEQ | K, 68, 0, 1), stmt(RET | K, 0x7fffffff), stmt(RET | K, 0));

function ipUdp(proto: number, frag: number, dport: number): number[] {
  const d = new Array(28).fill(0);
  d[0] = 0x45; d[6] = frag >> 8; d[7] = frag & 255; d[9] = proto; d[22] = dport >> 8; d[23] = dport & 255;
  return d;
}

test('classic BPF: the udhcpc filter', () => {
  assert.equal(run(UDHCPC, pkt(ipUdp(17, 0, 68))), 0x7fffffff);
  assert.equal(run(UDHCPC, pkt(ipUdp(17, 0, 67))), 0);
  assert.equal(run(UDHCPC, pkt(ipUdp(6, 0, 68))), 0);
  assert.equal(run(UDHCPC, pkt(ipUdp(17, 0x0010, 68))), 0); // a later fragment
  assert.equal(run(UDHCPC, pkt(ipUdp(17, 0, 68).slice(0, 22))), 0); // truncated: the load fails
});

test('classic BPF: ALU, scratch memory, index register, lengths and ancillary data', () => {
  const alu = (op: number, a: number, k: number): number =>
    run(prog(stmt(LD | W | IMM, a), stmt(ALU | op | K, k), stmt(RET | A)), pkt([]));
  assert.equal(alu(0x00, 5, 7), 12);
  assert.equal(alu(0x10, 5, 7), 0xfffffffe);
  assert.equal(alu(0x20, 0x10000, 0x10001), 0x10000);
  assert.equal(alu(0x30, 100, 7), 14);
  assert.equal(alu(0x90, 100, 7), 2);
  assert.equal(alu(0x40, 0xf0, 0x0f), 0xff);
  assert.equal(alu(0x50, 0xf0, 0x3c), 0x30);
  assert.equal(alu(0xa0, 0xff, 0x0f), 0xf0);
  assert.equal(alu(0x60, 1, 31), 0x80000000);
  assert.equal(alu(0x70, 0x80000000, 31), 1);
  assert.equal(run(prog(stmt(LD | W | IMM, 1), stmt(ALU | 0x80), stmt(RET | A)), pkt([])), 0xffffffff);
  // X operands; division by a zero X ends the program with 0.
  assert.equal(run(prog(stmt(LDX | W | IMM, 3), stmt(LD | W | IMM, 10), stmt(ALU | 0x20 | X), stmt(RET | A)), pkt([])), 30);
  assert.equal(run(prog(stmt(LDX | W | IMM, 0), stmt(LD | W | IMM, 10), stmt(ALU | 0x30 | X), stmt(RET | K, 9)), pkt([])), 0);
  // ST/LDX MEM, TAX/TXA, LEN, a word load.
  assert.equal(run(prog(stmt(LD | W | LEN), stmt(ST, 4), stmt(LDX | W | MEM, 4), stmt(MISC | 0x80), stmt(ALU | 0x00 | K, 1), stmt(RET | A)),
    pkt([1, 2, 3])), 4);
  assert.equal(run(prog(stmt(LD | W | ABS, 0), stmt(MISC | 0), stmt(STX, 0), stmt(LD | W | MEM, 0), stmt(RET | A)), pkt([1, 2, 3, 4])), 0x01020304);
  // Jumps: JGT/JGE with K and X.
  const cmp = (op: number, a: number, k: number): number =>
    run(prog(stmt(LD | W | IMM, a), jump(JMP | op | K, k, 0, 1), stmt(RET | K, 1), stmt(RET | K, 2)), pkt([]));
  assert.equal(cmp(JGT, 5, 4), 1); assert.equal(cmp(JGT, 4, 4), 2); assert.equal(cmp(JGE, 4, 4), 1);
  assert.equal(run(prog(stmt(LDX | W | IMM, 9), stmt(LD | W | IMM, 9), jump(JMP | JEQ | X, 0, 0, 1), stmt(RET | K, 1), stmt(RET | K, 2)), pkt([])), 1);
  assert.equal(run(prog(jump(JMP | 0, 1, 0, 0), stmt(RET | K, 1), stmt(RET | K, 2)), pkt([])), 2); // JA
  // Ancillary data (SKF_AD_OFF + n) and SKF_NET_OFF / SKF_LL_OFF.
  const ad = (n: number, d: BpfPacket): number => run(prog(stmt(LD | W | ABS, -0x1000 + n), stmt(RET | A)), d);
  assert.equal(ad(0, pkt([], { protocol: 0x0008 })), 0x0008);
  assert.equal(ad(4, pkt([], { pkttype: 4 })), 4);
  assert.equal(ad(8, pkt([], { ifindex: 3 })), 3);
  assert.equal(ad(28, pkt([], { hatype: 772 })), 772);
  const raw = pkt([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0x45, 0xaa], { llOff: 0, netOff: 14 });
  assert.equal(run(prog(stmt(LD | B | ABS, -0x100000 + 1), stmt(RET | A)), raw), 0xaa);
  assert.equal(run(prog(stmt(LD | H | ABS, -0x200000 + 12), stmt(RET | A)), raw), 0x0800);
  assert.equal(run(prog(stmt(LD | H | ABS, -0x200000 + 12), stmt(RET | A)), pkt([1, 2])), 0); // no link header
});

test('classic BPF: the checker refuses what Linux refuses', () => {
  const bad: Uint8Array[] = [
    new Uint8Array(0),
    prog(stmt(LD | W | LEN)),                                       // no final RET
    prog(jump(JMP | JEQ | K, 1, 5, 0), stmt(RET | K, 0)),           // jump out of the program
    prog(jump(JMP | 0, 3, 0, 0), stmt(RET | K, 0)),                 // JA out of the program
    prog(stmt(ALU | 0x30 | K, 0), stmt(RET | A)),                   // division by a constant 0
    prog(stmt(ALU | 0x90 | K, 0), stmt(RET | A)),                   // modulo by a constant 0
    prog(stmt(ALU | 0x60 | K, 32), stmt(RET | A)),                  // shift by 32
    prog(stmt(LD | W | MEM, 3), stmt(RET | A)),                     // scratch read before a store
    prog(stmt(ST, 16), stmt(RET | A)),                              // scratch slot 16
    prog(stmt(RET | X)),                                            // RET X is BSD's, not Linux's
    prog(stmt(LD | B | IMM, 1), stmt(RET | A)),                     // byte-sized immediate load
    prog(stmt(0x0f), stmt(RET | A)),                                // unknown opcode
    prog(stmt(LDX | W | ABS, 0), stmt(RET | A)),                    // LDX ABS does not exist
    prog(...new Array(4097).fill(stmt(RET | K, 0)) as Ins[]),       // longer than BPF_MAXINSNS
  ];
  for (const [i, p] of bad.entries()) assert.equal(BpfProgram.load(p), null, `bad program ${i}`);
  // A store on one path only does not make the slot valid after the join.
  assert.equal(BpfProgram.load(prog(jump(JMP | JEQ | K, 0, 0, 1), stmt(ST, 1), stmt(LD | W | MEM, 1), stmt(RET | A))), null);
  assert.ok(BpfProgram.load(prog(stmt(ST, 1), jump(JMP | JEQ | K, 0, 0, 0), stmt(LD | W | MEM, 1), stmt(RET | A))));
  assert.ok(BpfProgram.load(prog(...new Array(4096).fill(stmt(RET | K, 0)) as Ins[])));
});
