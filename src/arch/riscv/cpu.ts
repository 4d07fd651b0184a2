// RV64GC user-mode interpreter (placeholder until the decoder lands).
import { Hart, EXIT_ILLEGAL } from './hart.js';
export function run(h: Hart, budget: number): number { void budget; h.exitInst = 0; return EXIT_ILLEGAL; }
