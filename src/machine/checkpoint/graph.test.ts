import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serialize, deserialize } from 'node:v8';
import { registerClass, graphEncoder, decodeGraph, CkptError } from './graph.js';
import { writeContainer, readContainer, FORMAT_VERSION } from './format.js';

class Node1 { next: Node1 | null = null; tag = 0; data = new Uint8Array([1, 2, 3]); kids = new Map<string, Node1>(); get twice(): number { return this.tag * 2; } }
class Hooked { cb: (() => void) | null = null; n = 1; }
class Stranger { x = 1; }
class Host { readonly name = 'h0'; state = 0; fn = (): number => 7; }
registerClass({ name: 'test.Node1', ctor: Node1 });
registerClass({ name: 'test.Hooked', ctor: Hooked, skip: ['cb'], init: (o: Hooked) => { o.cb = () => {}; } });
registerClass({ name: 'test.Host', ctor: Host, key: (h: Host) => `host:${h.name}`, into: (ctx, k) => ctx.extern(k) as Host });

function roundTrip(v: unknown, externs: Record<string, unknown> = {}): unknown {
  const plain = graphEncoder([])(v, 'root');
  return decodeGraph(deserialize(serialize(plain)), { extern: (n) => externs[n] }, []);
}

test('graph: classes, cycles, shared references, typed arrays and maps survive', () => {
  const a = new Node1(), b = new Node1();
  a.tag = 5; a.next = b; b.next = a; a.kids.set('b', b);
  const r = roundTrip({ a, list: [a, b] }) as { a: Node1; list: Node1[] };
  assert.ok(r.a instanceof Node1);
  assert.equal(r.a.twice, 10);
  assert.equal(r.a.next!.next, r.a);
  assert.equal(r.list[1], r.a.next);
  assert.equal(r.a.kids.get('b'), r.a.next);
  assert.deepEqual([...r.a.data], [1, 2, 3]);
});

test('graph: skipped fields are rebuilt by init; keyed objects load into the fresh machine', () => {
  const h = new Hooked();
  h.cb = () => {};
  const r = roundTrip(h) as Hooked;
  assert.equal(typeof r.cb, 'function');
  const old = new Host(); old.state = 9;
  const fresh = new Host();
  const got = roundTrip(old, { 'host:h0': fresh }) as Host;
  assert.equal(got, fresh);
  assert.equal(fresh.state, 9);
  assert.equal(fresh.fn(), 7); // its own hook stays
});

test('graph: unregistered classes and closures are refused with the object path', () => {
  assert.throws(() => graphEncoder([])({ x: [new Stranger()] }, 'root'), (e: Error) => e instanceof CkptError && /class Stranger.*root\.x\[0\]/.test(e.message));
  assert.throws(() => graphEncoder([])({ f: () => 1 }, 'root'), /function is not checkpointable \(at root\.f\)/);
});

test('container: verified on read; corruption, truncation and versions are refused', () => {
  const buf = writeContainer({ tuml: 't', argv: ['a'], memBytes: 1, timeTravel: 'host' }, [['s', Buffer.from('hello world')]]);
  assert.equal(readContainer(buf).section('s').toString(), 'hello world');
  const bad = Buffer.from(buf); bad[bad.length - 3] ^= 1;
  assert.throws(() => readContainer(bad), /checksum mismatch/);
  assert.throws(() => readContainer(buf.subarray(0, buf.length - 2)), /truncated/);
  assert.throws(() => readContainer(buf.subarray(0, 20)), /truncated/);
  const v = Buffer.from(buf); v.writeUInt32LE(FORMAT_VERSION + 1, 8);
  assert.throws(() => readContainer(v), /format version/);
  assert.throws(() => readContainer(Buffer.from('#!/bin/sh\necho hi\n')), /bad magic/);
});
