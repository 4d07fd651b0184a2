// The wasm writer's branch-hint section: every hint names an `if` or `br_if` of its
// function (offsets count from the function body's start, its locals included), in
// increasing order, and the module still compiles and runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bytes, W, I32, VOID, module } from './wasmenc.js';

/** Read an unsigned LEB128 at p: [value, next offset]. */
function leb(b: Uint8Array, p: number): [number, number] {
  let v = 0, s = 0;
  for (;;) { const x = b[p++]; v += (x & 0x7f) * 2 ** s; s += 7; if ((x & 0x80) === 0) return [v, p]; }
}

test('branch hints point at the hinted if and br_if of each function', () => {
  // f(x): if (x == 0) (unlikely) return 7; block { br_if 0 (likely) on x > 1; return 5 } return 9
  const f = (): Bytes => {
    const b = new Bytes();
    b.get(0).op(W.i32_eqz).hint(false).op(W.if_).byte(VOID).i32(7).op(W.return_).op(W.end);
    b.op(W.block).byte(VOID).get(0).i32(1).op(W.i32_gt_u).hint(true).op(W.br_if).u32(0).i32(5).op(W.return_).op(W.end);
    b.i32(9);
    return b;
  };
  const plain = new Bytes().get(0);
  const types = [{ params: [I32], results: [I32] }];
  const bytes = module(types, [], [
    { type: 0, locals: [[3, I32]], body: f() }, { type: 0, locals: [], body: plain }, { type: 0, locals: [[1, I32], [2, I32]], body: f() },
  ]);
  const mod = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const sec = WebAssembly.Module.customSections(mod, 'metadata.code.branch_hint');
  assert.equal(sec.length, 1);
  // Function bodies from the code section (id 10): index -> body bytes (locals onward).
  const bodies: Uint8Array[] = [];
  for (let p = 8; p < bytes.length;) {
    const id = bytes[p];
    let [size, q] = leb(bytes, p + 1);
    if (id === 10) {
      let [n, r] = leb(bytes, q);
      for (let i = 0; i < n; i++) { const [len, s] = leb(bytes, r); bodies.push(bytes.subarray(s, s + len)); r = s + len; }
    }
    p = q + size;
  }
  const h = new Uint8Array(sec[0]);
  let [nf, p] = leb(h, 0);
  const seen: string[] = [];
  for (let i = 0; i < nf; i++) {
    let fi: number, n: number;
    [fi, p] = leb(h, p); [n, p] = leb(h, p);
    let last = -1;
    for (let j = 0; j < n; j++) {
      let off: number, size: number;
      [off, p] = leb(h, p); [size, p] = leb(h, p);
      assert.equal(size, 1);
      const hint = h[p++];
      assert.ok(off > last, 'offsets increase');
      last = off;
      const op = bodies[fi][off];
      seen.push(`f${fi}:${op === W.if_ ? 'if' : op === W.br_if ? 'br_if' : op}:${hint}`);
    }
  }
  assert.deepEqual(seen, ['f0:if:0', 'f0:br_if:1', 'f2:if:0', 'f2:br_if:1']);
  const inst = new WebAssembly.Instance(mod, { m: { mem: new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }) } });
  const run = inst.exports.f0 as (x: number) => number;
  assert.deepEqual([run(0), run(1), run(2)], [7, 5, 9]);
});
