// The tty layer's public API (see console.ts, tty.ts and jobctl.ts for details).
export { setTtyJobControl, ttyJobControl } from './jobctl.js';
export type { TtyJobControl, TtyProc, CttyRef } from './jobctl.js';
export { Tty, TtyFile, disassociateCtty, openCtty } from './tty.js';
export type { TtyDriver, WinSize } from './tty.js';
export { Termios } from './termios.js';
export { NTty } from './n_tty.js';
export {
  createConsole, getConsoleTty, openConsole, registerTtyDevices, startHostConsole, stopHostConsole,
  restoreHostTerminal, installHostTerminalHooks, setHostRaw, HostConsoleDriver, writeAllSync,
} from './console.js';
export { attachLines, closeLines, lineTty, ChanTtyDriver, ALL_LINES } from './lines.js';
export type { AttachedLine, LineConfig } from './lines.js';
export { openPtmx, openPts, registerPtyDevices, setPtsNodes, PtyPair, PtyMaster } from './pty.js';
