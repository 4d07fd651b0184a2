// F and D extension compute instructions (placeholder).
import { Hart } from './hart.js';
/** Execute an OP-FP / FMADD-family instruction; false means illegal instruction. */
export function fpExec(h: Hart, inst: number): boolean { void h; void inst; return false; }
