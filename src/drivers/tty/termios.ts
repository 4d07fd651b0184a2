// The kernel's copy of a terminal's attributes (struct ktermios) and its guest encodings.
import * as T from '../../abi/linux/termios.js';

export class Termios {
  iflag = T.STD_IFLAG;
  oflag = T.STD_OFLAG;
  cflag = T.STD_CFLAG;
  lflag = T.STD_LFLAG;
  line = T.N_TTY;
  readonly cc = new Uint8Array(T.NCCS);
  ispeed = T.STD_SPEED;
  ospeed = T.STD_SPEED;

  constructor() { this.cc.set(T.INIT_C_CC); }

  clone(): Termios {
    const t = new Termios();
    t.assign(this);
    return t;
  }
  assign(o: Termios): void {
    this.iflag = o.iflag; this.oflag = o.oflag; this.cflag = o.cflag; this.lflag = o.lflag;
    this.line = o.line; this.cc.set(o.cc); this.ispeed = o.ispeed; this.ospeed = o.ospeed;
  }

  /** struct termios (36 bytes) or, with two, struct termios2 (44 bytes). */
  encode(two: boolean): Uint8Array {
    const b = new Uint8Array(two ? T.TERMIOS2_SIZE : T.TERMIOS_SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint32(T.TERMIOS_IFLAG, this.iflag >>> 0, true);
    dv.setUint32(T.TERMIOS_OFLAG, this.oflag >>> 0, true);
    dv.setUint32(T.TERMIOS_CFLAG, this.cflag >>> 0, true);
    dv.setUint32(T.TERMIOS_LFLAG, this.lflag >>> 0, true);
    b[T.TERMIOS_LINE] = this.line;
    b.set(this.cc, T.TERMIOS_CC);
    if (two) {
      dv.setUint32(T.TERMIOS2_ISPEED, this.ispeed >>> 0, true);
      dv.setUint32(T.TERMIOS2_OSPEED, this.ospeed >>> 0, true);
    }
    return b;
  }

  /** Decode a guest struct termios/termios2 into a new Termios (speeds derived as Linux's
   *  tty_termios_baud_rate does when they are not given explicitly). */
  static decode(b: Uint8Array, two: boolean): Termios {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const t = new Termios();
    t.iflag = dv.getUint32(T.TERMIOS_IFLAG, true);
    t.oflag = dv.getUint32(T.TERMIOS_OFLAG, true);
    t.cflag = dv.getUint32(T.TERMIOS_CFLAG, true);
    t.lflag = dv.getUint32(T.TERMIOS_LFLAG, true);
    t.line = b[T.TERMIOS_LINE];
    t.cc.set(b.subarray(T.TERMIOS_CC, T.TERMIOS_CC + T.NCCS));
    const ob = baudOf(t.cflag & T.CBAUD);
    const ibCode = (t.cflag & T.CIBAUD) >>> T.IBSHIFT;
    if (two) {
      const is = dv.getUint32(T.TERMIOS2_ISPEED, true), os = dv.getUint32(T.TERMIOS2_OSPEED, true);
      t.ospeed = (t.cflag & T.CBAUD) === T.BOTHER ? os : ob;
      t.ispeed = ibCode === T.BOTHER ? is : ibCode === 0 ? t.ospeed : baudOf(ibCode);
    } else {
      t.ospeed = ob;
      t.ispeed = ibCode === 0 ? ob : baudOf(ibCode);
    }
    return t;
  }
}

function baudOf(code: number): number {
  const i = (code & T.CBAUDEX) ? 16 + (code & 0xf) : code & 0xf;
  return T.BAUD_TABLE[i] ?? 0;
}
