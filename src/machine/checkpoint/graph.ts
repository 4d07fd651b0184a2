// The object-graph part of a checkpoint: kernel objects are turned into a tagged plain
// graph (then written with v8's structured serializer, which keeps shared references and
// cycles) and back. Nothing is dumped blindly: every class must be registered by name in
// one of the per-subsystem files (reg_*.ts) with what to skip, what to rebuild and what
// refuses a checkpoint. An unregistered class or a stray closure stops the checkpoint
// with an error naming the object's path (e.g. "tasks[3].files.fds[4]: class TcpSock").

export class CkptError extends Error {}

/** What restore hands to the hooks: the fresh machine's objects by name. */
export interface LoadCtx { extern(name: string): unknown; }

export interface ClassSpec {
  name: string;
  ctor: abstract new (...a: never[]) => unknown;
  /** Own fields not saved: host handles, caches, closures. init() (or `into`) supplies them. */
  skip?: readonly string[];
  /** The object belongs to the host or the fresh machine: saved as this name, resolved on load. */
  extern?(o: any): string | null;
  /** Load the saved fields into this existing object of the fresh machine (keyed by key());
   *  a null key means an ordinary new object. Function-valued fields of such objects are
   *  the fresh machine's hooks and are never saved. */
  key?(o: any): string | null;
  into?(ctx: LoadCtx, key: string): object | undefined;
  /** Custom representation (the result is encoded further; no cycles through it). */
  save?(o: any, enc: (v: unknown, path: string) => unknown, path: string): unknown;
  load?(d: any, dec: (v: unknown) => unknown, ctx: LoadCtx): object;
  /** Per-field conversions (e.g. a device object saved as its device number and re-opened). */
  fields?: Record<string, { save(v: any, o: any): unknown; load(d: any, o: any, ctx: LoadCtx): unknown }>;
  /** Rebuild what was skipped, after the object's fields are loaded. */
  init?(o: any, ctx: LoadCtx): void;
  /** A reason this object cannot be checkpointed now (the checkpoint is refused), or null. */
  refuse?(o: any): string | null;
}

const byCtor = new Map<unknown, ClassSpec>();
const byName = new Map<string, ClassSpec>();

export function registerClass(s: ClassSpec): void {
  if (byName.has(s.name)) throw new Error(`checkpoint: class ${s.name} registered twice`);
  byCtor.set(s.ctor, s);
  byName.set(s.name, s);
}

// Tags of the plain graph. A plain object is wrapped so it cannot be taken for a tag.
const C = '$c', O = '$o', X = '$x';

type Plain = Record<string, unknown>;

/** An encoder: enc() may be called for several roots; shared objects are encoded once.
 *  `all` collects every class instance encoded, in order (for the side-table pass). */
export function graphEncoder(all: object[]): (v: unknown, path: string) => unknown {
  const memo = new Map<object, unknown>();
  const enc = (v: unknown, path: string): unknown => {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'function') throw new CkptError(`a function is not checkpointable (at ${path})`);
      if (typeof v === 'symbol') throw new CkptError(`a symbol is not checkpointable (at ${path})`);
      return v;
    }
    const m = memo.get(v);
    if (m !== undefined) return m;
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof SharedArrayBuffer) throw new CkptError(`a view of shared memory is not checkpointable (at ${path})`);
      memo.set(v, v);
      return v;
    }
    if (v instanceof ArrayBuffer) { memo.set(v, v); return v; }
    if (Array.isArray(v)) {
      const a: unknown[] = [];
      memo.set(v, a);
      for (let i = 0; i < v.length; i++) a.push(enc(v[i], `${path}[${i}]`));
      return a;
    }
    if (v instanceof Map) {
      const r = new Map();
      memo.set(v, r);
      let i = 0;
      for (const [k, x] of v) { r.set(enc(k, `${path}.key${i}`), enc(x, `${path}[${typeof k === 'object' ? i : String(k)}]`)); i++; }
      return r;
    }
    if (v instanceof Set) {
      const r = new Set();
      memo.set(v, r);
      let i = 0;
      for (const x of v) r.add(enc(x, `${path}{${i++}}`));
      return r;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      const inner: Plain = {};
      const r = { [O]: inner };
      memo.set(v, r);
      for (const k of Object.keys(v)) inner[k] = enc((v as Plain)[k], `${path}.${k}`);
      return r;
    }
    const spec = byCtor.get(v.constructor);
    if (spec === undefined) throw new CkptError(`an object of class ${v.constructor?.name ?? '?'} is not checkpointable (at ${path})`);
    const why = spec.refuse?.(v);
    if (why) throw new CkptError(`${why} (at ${path})`);
    all.push(v);
    const ext = spec.extern?.(v);
    if (ext) { const r = { [X]: ext }; memo.set(v, r); return r; }
    if (spec.save) {
      const r: Plain = { [C]: spec.name };
      memo.set(v, r);
      r.d = spec.save(v, enc, path);
      return r;
    }
    const f: Plain = {};
    const r: Plain = { [C]: spec.name, f };
    const key = spec.key?.(v) ?? null;
    if (key !== null) r.k = key;
    memo.set(v, r);
    const skip = spec.skip, conv = spec.fields;
    for (const k of Object.keys(v)) {
      if (skip !== undefined && skip.includes(k)) continue;
      let x = (v as Plain)[k];
      if (key !== null && typeof x === 'function') continue;
      if (conv !== undefined && k in conv) x = conv[k].save(x, v);
      f[k] = enc(x, `${path}.${k}`);
    }
    return r;
  };
  return enc;
}

/** Decode a plain graph made by encodeGraph; init hooks run after everything is loaded. */
export function decodeGraph(root: unknown, ctx: LoadCtx, made: object[]): unknown {
  const memo = new Map<object, unknown>();
  const inits: [ClassSpec, object][] = [];
  const dec = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    const m = memo.get(v);
    if (m !== undefined) return m;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    if (Array.isArray(v)) {
      const a: unknown[] = [];
      memo.set(v, a);
      for (const x of v) a.push(dec(x));
      return a;
    }
    if (v instanceof Map) {
      const r = new Map();
      memo.set(v, r);
      for (const [k, x] of v) r.set(dec(k), dec(x));
      return r;
    }
    if (v instanceof Set) {
      const r = new Set();
      memo.set(v, r);
      for (const x of v) r.add(dec(x));
      return r;
    }
    const p = v as Plain;
    if (O in p) {
      const r: Plain = {};
      memo.set(v, r);
      const inner = p[O] as Plain;
      for (const k of Object.keys(inner)) r[k] = dec(inner[k]);
      return r;
    }
    if (X in p) {
      const name = p[X] as string;
      const r = ctx.extern(name);
      if (r === undefined) throw new CkptError(`the checkpoint refers to ${name}, which this machine does not have`);
      memo.set(v, r);
      return r;
    }
    const spec = byName.get(p[C] as string);
    if (spec === undefined) throw new CkptError(`unknown object class ${String(p[C])} in the checkpoint`);
    if (spec.load) {
      const r = spec.load(p.d, dec, ctx);
      memo.set(v, r);
      made.push(r);
      if (spec.init) inits.push([spec, r]);
      return r;
    }
    let r: object | undefined;
    if (spec.into && typeof p.k === 'string') {
      r = spec.into(ctx, p.k);
      if (r === undefined) throw new CkptError(`the checkpoint needs ${p.k as string}, which this machine does not have`);
    } else r = Object.create((spec.ctor as unknown as { prototype: object }).prototype) as object;
    memo.set(v, r);
    made.push(r);
    const f = p.f as Plain, conv = spec.fields;
    for (const k of Object.keys(f)) {
      const x = dec(f[k]);
      (r as Plain)[k] = conv !== undefined && k in conv ? conv[k].load(x, r, ctx) : x;
    }
    if (spec.init) inits.push([spec, r]);
    return r;
  };
  const out = dec(root);
  for (const [s, o] of inits) s.init!(o, ctx);
  return out;
}
