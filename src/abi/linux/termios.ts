// Terminal attributes (asm-generic/termbits.h, termbits-common.h, ioctls.h), as riscv64
// uses them: struct termios for TCGETS/TCSETS*, struct termios2 for TCGETS2/TCSETS*2,
// struct winsize for TIOCGWINSZ/TIOCSWINSZ.

/** struct termios: c_iflag, c_oflag, c_cflag, c_lflag (u32), c_line (u8), c_cc[NCCS]. */
export const NCCS = 19;
export const TERMIOS_IFLAG = 0, TERMIOS_OFLAG = 4, TERMIOS_CFLAG = 8, TERMIOS_LFLAG = 12,
  TERMIOS_LINE = 16, TERMIOS_CC = 17;
export const TERMIOS_SIZE = 36;
/** struct termios2 adds c_ispeed, c_ospeed (speed_t, u32) after c_cc. */
export const TERMIOS2_ISPEED = 36, TERMIOS2_OSPEED = 40, TERMIOS2_SIZE = 44;
/** struct winsize: ws_row, ws_col, ws_xpixel, ws_ypixel (u16). */
export const WINSIZE_SIZE = 8;

/** termios2 ioctls: _IOR('T', 0x2A, struct termios2) and _IOW('T', 0x2B..0x2D, …). */
export const TCGETS2 = 0x802c542a, TCSETS2 = 0x402c542b, TCSETSW2 = 0x402c542c, TCSETSF2 = 0x402c542d;
/** Other ioctls.h numbers not in ioctl.ts. */
export const TIOCPKT = 0x5420, TIOCSIG = 0x40045436, TIOCGPKT = 0x80045438, TIOCGEXCL = 0x80045440,
  TIOCGLCKTRMIOS = 0x5456, TIOCSLCKTRMIOS = 0x5457, TIOCSERGETLSR = 0x5459;

/** c_cc indices. */
export const VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6, VSWTC = 7,
  VSTART = 8, VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VDISCARD = 13, VWERASE = 14,
  VLNEXT = 15, VEOL2 = 16;
/** A c_cc entry with this value is disabled. */
export const POSIX_VDISABLE = 0;

/** c_iflag. */
export const IGNBRK = 0x001, BRKINT = 0x002, IGNPAR = 0x004, PARMRK = 0x008, INPCK = 0x010,
  ISTRIP = 0x020, INLCR = 0x040, IGNCR = 0x080, ICRNL = 0x100, IUCLC = 0x0200, IXON = 0x0400,
  IXANY = 0x800, IXOFF = 0x1000, IMAXBEL = 0x2000, IUTF8 = 0x4000;

/** c_oflag. */
export const OPOST = 0x01, OLCUC = 0x02, ONLCR = 0x04, OCRNL = 0x08, ONOCR = 0x10, ONLRET = 0x20,
  OFILL = 0x40, OFDEL = 0x80, NLDLY = 0x00100, NL0 = 0, NL1 = 0x00100, CRDLY = 0x00600, CR0 = 0,
  CR1 = 0x00200, CR2 = 0x00400, CR3 = 0x00600, TABDLY = 0x01800, TAB0 = 0, TAB1 = 0x00800,
  TAB2 = 0x01000, TAB3 = 0x01800, XTABS = 0x01800, BSDLY = 0x02000, BS0 = 0, BS1 = 0x02000,
  VTDLY = 0x04000, VT0 = 0, VT1 = 0x04000, FFDLY = 0x08000, FF0 = 0, FF1 = 0x08000;

/** c_cflag. */
export const CBAUD = 0x0000100f, CSIZE = 0x00000030, CS5 = 0, CS6 = 0x10, CS7 = 0x20, CS8 = 0x30,
  CSTOPB = 0x40, CREAD = 0x80, PARENB = 0x100, PARODD = 0x200, HUPCL = 0x400, CLOCAL = 0x800,
  CBAUDEX = 0x1000, BOTHER = 0x1000, CIBAUD = 0x100f0000, ADDRB = 0x20000000, CMSPAR = 0x40000000,
  CRTSCTS = 0x80000000, IBSHIFT = 16;
export const B0 = 0, B50 = 1, B75 = 2, B110 = 3, B134 = 4, B150 = 5, B200 = 6, B300 = 7, B600 = 8,
  B1200 = 9, B1800 = 10, B2400 = 11, B4800 = 12, B9600 = 13, B19200 = 14, B38400 = 15,
  B57600 = 0x1001, B115200 = 0x1002, B230400 = 0x1003, B460800 = 0x1004, B500000 = 0x1005,
  B576000 = 0x1006, B921600 = 0x1007, B1000000 = 0x1008, B1152000 = 0x1009, B1500000 = 0x100a,
  B2000000 = 0x100b, B2500000 = 0x100c, B3000000 = 0x100d, B3500000 = 0x100e, B4000000 = 0x100f;
/** Bit rates of the Bxxx codes (index: code & 0xf, plus 16 for CBAUDEX codes). */
export const BAUD_TABLE = [0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600,
  19200, 38400, 0 /* BOTHER */, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000,
  1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000];

/** c_lflag. */
export const ISIG = 0x00001, ICANON = 0x00002, XCASE = 0x00004, ECHO = 0x00008, ECHOE = 0x00010,
  ECHOK = 0x00020, ECHONL = 0x00040, NOFLSH = 0x00080, TOSTOP = 0x00100, ECHOCTL = 0x00200,
  ECHOPRT = 0x00400, ECHOKE = 0x00800, FLUSHO = 0x01000, PENDIN = 0x04000, IEXTEN = 0x08000,
  EXTPROC = 0x10000;

/** tcsetattr actions, tcflow (TCXONC) and tcflush (TCFLSH) arguments. */
export const TCSANOW = 0, TCSADRAIN = 1, TCSAFLUSH = 2;
export const TCOOFF = 0, TCOON = 1, TCIOFF = 2, TCION = 3;
export const TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2;

/** Line disciplines (TIOCGETD/TIOCSETD). */
export const N_TTY = 0;

/** ^X as a byte. */
const ctrl = (ch: string): number => ch.charCodeAt(0) & 0x1f;
/** INIT_C_CC from the kernel: intr=^C quit=^\ erase=DEL kill=^U eof=^D time=0 min=1 swtc=0
 *  start=^Q stop=^S susp=^Z eol=0 reprint=^R discard=^O werase=^W lnext=^V eol2=0. */
export const INIT_C_CC: readonly number[] = [ctrl('C'), 28, 127, ctrl('U'), ctrl('D'), 0, 1, 0,
  ctrl('Q'), ctrl('S'), ctrl('Z'), 0, ctrl('R'), ctrl('O'), ctrl('W'), ctrl('V'), 0, 0, 0];

/** tty_std_termios. */
export const STD_IFLAG = ICRNL | IXON;
export const STD_OFLAG = OPOST | ONLCR;
export const STD_CFLAG = B38400 | CS8 | CREAD | HUPCL;
export const STD_LFLAG = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
export const STD_SPEED = 38400;
