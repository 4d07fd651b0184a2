// The management console: umid directories, and UML's mconsole protocol spoken over the
// AF_UNIX datagram socket, directly from node through tuml's binding (native/) and
// through Debian's uml_mconsole (uml-utilities), which must drive tuml as it drives UML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILD, REPO, TUML, have, skipReason, tumlBuilt, scratch } from './lib/guest.mjs';

const ADDON = path.join(REPO, 'native', 'build', 'Release', 'unix_dgram.node');
const skip = skipReason([
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(ADDON), 'native/build/Release/unix_dgram.node missing (npm run build needs python3, make and a C compiler)'],
  [fs.existsSync(path.join(BUILD, 'initramfs.cpio')), 'build/initramfs.cpio missing (run: bash scripts/fetch-guest.sh)'],
]);
const skipUml = skip ?? skipReason([[have('uml_mconsole'), 'uml_mconsole missing (apt-get install uml-utilities)']]);

const { DgramSocket } = skip ? {} : await import('../dist/mconsole/dgram.js');
const P = skip ? {} : await import('../dist/mconsole/protocol.js');

const LOOP = 'mount -t proc proc /proc; while true; do sleep 1; done';

/** Boot a machine with umid and uml_dir in a scratch directory; resolves once the socket exists. */
async function boot(extra = [], script = LOOP) {
  const dir = scratch('tuml-mc-').dir;
  const umid = 'm' + process.pid + Math.floor(Math.random() * 1e6);
  const child = spawn(TUML, [`uml_dir=${dir}`, `umid=${umid}`, ...extra, '--', '/bin/sh', '-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
  const sock = path.join(dir, umid, 'mconsole');
  for (let i = 0; i < 200 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(fs.existsSync(sock), `no mconsole socket; stderr: ${err}`);
  return { dir, umid, sock, child, exited, get out() { return out; }, get err() { return err; } };
}

/** A client socket (abstract autobind, as uml_mconsole) and a request that gathers chunks. */
function client() {
  const s = new DgramSocket();
  s.bind(null);
  const queue = [];
  let waiter = null;
  s.listen((d) => { queue.push(d); if (waiter) { const w = waiter; waiter = null; w(); } }, false);
  const next = (ms = 10000) => new Promise((resolve, reject) => {
    if (queue.length) return resolve(queue.shift());
    const t = setTimeout(() => reject(new Error('no reply')), ms);
    waiter = () => { clearTimeout(t); resolve(queue.shift()); };
  });
  return {
    raw: (buf, to) => s.send(buf, to),
    next,
    async cmd(to, text) {
      s.send(P.encodeRequest(text), to);
      const chunks = [];
      for (;;) { const r = P.decodeReply(await next()); chunks.push(r); if (!r.more) break; }
      return { err: chunks[0].err, text: chunks.map((c) => c.text).join(''), chunks: chunks.length };
    },
    close: () => s.close(),
  };
}

test('umid: directory 0700 with pid file and socket, live umid refused, stale one cleaned, removed on exit', { skip, timeout: 60_000 }, async () => {
  const m = await boot();
  const udir = path.join(m.dir, m.umid);
  assert.equal(fs.statSync(udir).mode & 0o777, 0o700);
  assert.equal(fs.readFileSync(path.join(udir, 'pid'), 'utf8').trim(), String(m.child.pid));
  const again = spawnSync(TUML, [`uml_dir=${m.dir}`, `umid=${m.umid}`, '--', '/bin/true'], { encoding: 'utf8' });
  assert.equal(again.status, 1);
  assert.match(again.stderr, new RegExp(`umid '${m.umid}' is in use by pid ${m.child.pid}`));
  const c = client();
  assert.equal((await c.cmd(m.sock, 'halt')).err, 0);
  c.close();
  await m.exited;
  assert.ok(!fs.existsSync(udir), 'umid directory removed on exit');
  // a stale directory (dead pid) is cleaned up
  fs.mkdirSync(path.join(m.dir, 'stale'));
  fs.writeFileSync(path.join(m.dir, 'stale', 'pid'), '999999\n');
  const r = spawnSync(TUML, [`uml_dir=${m.dir}`, 'umid=stale', '--', '/bin/true'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /stale directory/);
  assert.ok(!fs.existsSync(path.join(m.dir, 'stale')));
});

test('mconsole wire protocol: version, help, proc, chunked replies, log, stack, sysrq, bad input', { skip, timeout: 60_000 }, async () => {
  const m = await boot();
  const c = client();
  try {
    const v = await c.cmd(m.sock, 'version');
    assert.equal(v.err, 0);
    assert.match(v.text, /^Linux tuml 6\.1\.0-tuml .* riscv64$/);
    assert.match((await c.cmd(m.sock, 'help')).text, /stack <pid>/);
    const mi = await c.cmd(m.sock, 'proc meminfo');
    assert.match(mi.text, /^MemTotal:/);
    const big = await c.cmd(m.sock, 'proc 1/status');
    assert.equal(big.err, 0);
    const cpu = await c.cmd(m.sock, 'proc cpuinfo');
    assert.ok(cpu.text.length < 511 || cpu.chunks > 1, 'long replies come in chunks');
    assert.equal((await c.cmd(m.sock, 'proc nonexistent')).err, 1);
    assert.equal((await c.cmd(m.sock, 'log hello from the host')).err, 0);
    const st = await c.cmd(m.sock, 'stack 1');
    assert.match(st.text, /Task 1 \(sh\)/);
    assert.equal((await c.cmd(m.sock, 'stack 4242')).err, 1);
    assert.match((await c.cmd(m.sock, 'sysrq m')).text, /Show Memory/);
    assert.match((await c.cmd(m.sock, 'sysrq t')).text, /pid:\s+1/);
    assert.match((await c.cmd(m.sock, 'sysrq w')).text, /Blocked/);
    assert.match((await c.cmd(m.sock, 'sysrq s')).text, /Emergency Sync complete/);
    assert.match((await c.cmd(m.sock, 'sysrq u')).text, /Remount/);
    assert.deepEqual(await c.cmd(m.sock, 'frobnicate'), { err: 1, text: 'Unknown command', chunks: 1 });
    assert.equal((await c.cmd(m.sock, 'config nosuch')).err, 1);
    assert.match((await c.cmd(m.sock, 'remove ubd5')).text, /doesn't exist/);
    // garbage: an unversioned datagram gets UML's refusal text, the machine goes on
    c.raw(Buffer.from('version\0'), m.sock);
    assert.equal((await c.next()).toString(), P.V0_REFUSAL);
    const b = P.encodeRequest('version', 1);
    c.raw(b, m.sock);
    const r1 = P.decodeReply(await c.next());
    assert.equal(r1.err, 1);
    assert.match(r1.text, /only supports version 2/);
    const huge = P.encodeRequest('version');
    huge.writeUInt32LE(600, 8);
    c.raw(huge, m.sock);
    assert.equal(P.decodeReply(await c.next()).text, 'Request too large');
    c.raw(Buffer.from([0xbe, 0xba, 0xfe, 0xca, 2]), m.sock);
    assert.equal(P.decodeReply(await c.next()).err, 1);
    assert.equal((await c.cmd(m.sock, 'version')).err, 0, 'still answering');
    const log = await c.cmd(m.sock, 'proc kmsg');
    void log;
    assert.equal((await c.cmd(m.sock, 'halt')).err, 0);
    const ex = await m.exited;
    assert.equal(ex.code, 0);
    assert.match(m.err, /hello from the host/);
  } finally { c.close(); m.child.kill('SIGKILL'); }
});

test('mconsole stop and go: no instruction runs and virtual time stands still', { skip, timeout: 60_000 }, async () => {
  const m = await boot(['time-travel=inf-cpu']);
  const c = client();
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await c.cmd(m.sock, 'stop')).text, 'stopped');
    const a = (await c.cmd(m.sock, 'proc uptime')).text;
    const s1 = (await c.cmd(m.sock, 'proc stat')).text;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await c.cmd(m.sock, 'proc uptime')).text, a, 'time stands still while stopped');
    assert.equal((await c.cmd(m.sock, 'proc stat')).text.split('\n')[0], s1.split('\n')[0]);
    assert.equal((await c.cmd(m.sock, 'stop')).err, 1);
    assert.equal((await c.cmd(m.sock, 'go')).err, 0);
    assert.equal((await c.cmd(m.sock, 'go')).text, 'Not stopped');
    let moved = false;
    for (let i = 0; i < 50 && !moved; i++) {
      await new Promise((r) => setTimeout(r, 100));
      moved = (await c.cmd(m.sock, 'proc uptime')).text !== a;
    }
    assert.ok(moved, 'time moves again');
    // stop, then halt: a stopped machine still halts
    await c.cmd(m.sock, 'stop');
    await c.cmd(m.sock, 'halt');
    assert.equal((await m.exited).code, 0);
  } finally { c.close(); m.child.kill('SIGKILL'); }
});

test('mconsole cad: SIGINT to init when CAD is off (busybox init runs its ctrlaltdel action); reboot when on', { skip, timeout: 60_000 }, async () => {
  // init here is sh with a trap: CAD is on by default (no reboot(CAD_OFF) call), so cad reboots
  const m = await boot([], 'trap "echo got-SIGINT" INT; while true; do sleep 1; done');
  const c = client();
  try {
    assert.equal((await c.cmd(m.sock, 'cad')).err, 0);
    // reboot boots the same machine again: the socket stays, halt ends it
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await c.cmd(m.sock, 'version')).err, 0);
    await c.cmd(m.sock, 'halt');
    assert.equal((await m.exited).code, 0);
    assert.match(m.err, /ctrl-alt-del/);
  } finally { c.close(); m.child.kill('SIGKILL'); }
});

test('mconsole=notify: the socket path is sent to the notify socket', { skip, timeout: 60_000 }, async () => {
  const dir = scratch('tuml-notify-').dir;
  const nsock = path.join(dir, 'notify');
  const n = new DgramSocket();
  n.bind(nsock);
  const got = new Promise((r) => n.listen((d) => r(d), false));
  const m = await boot([`mconsole=notify:${nsock}`]);
  const c = client();
  try {
    const note = P.decodeNotify(await got);
    assert.equal(note.type, P.NOTIFY_SOCKET);
    assert.equal(note.data, m.sock);
    await c.cmd(m.sock, 'halt');
    await m.exited;
  } finally { c.close(); n.close(); m.child.kill('SIGKILL'); }
});

test('config ubd1=FILE hot-adds a disk, remove refuses a mounted one', { skip, timeout: 60_000 }, async () => {
  const m = await boot();
  const c = client();
  const img = path.join(m.dir, 'disk.img');
  fs.writeFileSync(img, Buffer.alloc(1 << 20));
  try {
    assert.deepEqual(await c.cmd(m.sock, `config ubd1=${img}`), { err: 0, text: '', chunks: 1 });
    assert.equal((await c.cmd(m.sock, 'config ubd1')).text, img);
    assert.equal((await c.cmd(m.sock, `config ubd1=${img}`)).err, 1);
    assert.equal((await c.cmd(m.sock, 'remove ubd1')).err, 0);
    assert.equal((await c.cmd(m.sock, 'config ubd1')).text, '');
    await c.cmd(m.sock, 'halt');
    await m.exited;
  } finally { c.close(); m.child.kill('SIGKILL'); }
});

test("Debian's uml_mconsole drives tuml: version, proc, sysrq, config, remove, stop, go, cad, reboot, halt", { skip: skipUml, timeout: 60_000 }, async () => {
  const m = await boot();
  const img = path.join(m.dir, 'disk.img');
  fs.writeFileSync(img, Buffer.alloc(1 << 20));
  const uml = (...args) => new Promise((resolve) => {
    const p = spawn('uml_mconsole', [m.sock, ...args]);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ code, out }));
  });
  try {
    assert.match((await uml('version')).out, /^OK Linux tuml 6\.1\.0-tuml/m);
    assert.match((await uml('proc', 'meminfo')).out, /^OK MemTotal:/m);
    assert.match((await uml('sysrq', 'm')).out, /^OK sysrq: Show Memory/m);
    assert.match((await uml('config', `ubd1=${img}`)).out, /^OK/m);
    assert.match((await uml('remove', 'ubd1')).out, /^OK/m);
    assert.match((await uml('stop')).out, /^OK stopped/m);
    assert.match((await uml('go')).out, /^OK/m);
    assert.match((await uml('bogus')).out, /^ERR Unknown command/m);
    assert.match((await uml('cad')).out, /^OK/m);
    await new Promise((r) => setTimeout(r, 500));
    assert.match((await uml('reboot')).out, /^OK/m);
    await new Promise((r) => setTimeout(r, 500));
    assert.match((await uml('halt')).out, /^OK/m);
    assert.equal((await m.exited).code, 0);
  } finally { m.child.kill('SIGKILL'); }
});

test('tuml-mconsole: OK/ERR lines and exit status like uml_mconsole', { skip, timeout: 60_000 }, async () => {
  const m = await boot();
  const mc = (...a) => spawnSync(path.join(REPO, 'bin', 'tuml-mconsole'), [`uml_dir=${m.dir}`, ...a], { encoding: 'utf8' });
  try {
    const v = mc(m.umid, 'version');
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^OK Linux tuml/);
    const bad = mc(m.umid, 'nonsense');
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout, 'ERR Unknown command\n');
    const none = mc('no-such-umid', 'version');
    assert.equal(none.status, 1);
    assert.match(none.stderr + none.stdout, /couldn't stat file|No such file/);
    assert.equal(mc(m.umid, 'halt').status, 0);
    await m.exited;
  } finally { m.child.kill('SIGKILL'); }
});
