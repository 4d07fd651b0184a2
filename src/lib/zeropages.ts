// Zero-filled Int32Arrays in host pages of their own (mmap, through the native addon):
// pages never written cost no host memory, whereas V8 allocates an array buffer with
// calloc from the malloc heap, which clears (and so touches) all of it. For large tables
// written sparsely: the interpreter's decoded-instruction table of each code frame
// (16 KiB, about two thirds of whose pages a boot writes; docs/benchmarks.md, "Idle memory").
// The pages go back to the host when the array is collected. Without the addon (not
// built), an ordinary array.
import { dgramAddon } from '../drivers/unixdgram.js';

export function zeroInt32(words: number): Int32Array {
  const b = dgramAddon()?.zeroPages?.(words * 4);
  return b ? new Int32Array(b) : new Int32Array(words);
}
