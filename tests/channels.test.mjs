// Console and serial-line channels (con=, conN=, ssl=, sslN=): a login over TCP on
// con1=port:N while the main console stays usable, file: and fd: channels, and the
// options that are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BUILD, TUML, skipReason, tumlBuilt, scratch } from './lib/guest.mjs';

const skip = skipReason([
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(path.join(BUILD, 'initramfs.cpio')), 'build/initramfs.cpio missing (run: bash scripts/fetch-guest.sh)'],
]);

/** A TCP port that is free on 127.0.0.1 right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Collects a stream's text; wait(re) resolves with the text once re matches past `from`. */
function collector(stream) {
  let text = '';
  const waiters = [];
  const check = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      const m = w.re.exec(text.slice(w.from));
      if (m) { waiters.splice(i, 1); clearTimeout(w.timer); w.resolve(m); }
    }
  };
  stream.on('data', (d) => { text += d.toString('latin1'); check(); });
  return {
    get text() { return text; },
    mark() { return text.length; },
    wait(re, from = 0, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const w = { re, from, resolve, timer: setTimeout(() => reject(new Error(`timed out waiting for ${re}; got:\n${text.slice(from)}\n(tail ${JSON.stringify(text.slice(-40))})`)), ms) };
        w.timer.unref();
        waiters.push(w);
        check();
      });
    },
  };
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

test('con1=port:N: busybox getty and login over TCP while the main console works', { skip, timeout: 120_000 }, async () => {
  const port = await freePort();
  const dir = scratch('tuml-chan-').dir;
  const child = spawn(TUML, [`uml_dir=${dir}`, `con1=port:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = collector(child.stdout), err = collector(child.stderr);
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  try {
    await err.wait(new RegExp(`con1: listening on 127\\.0\\.0\\.1:${port}`));
    // the main console's shell
    await out.wait(/# (\x1b\[6n)?$/m);
    // a client like `nc 127.0.0.1 PORT`: plain bytes, LF line ends
    let s = await connect(port);
    let net1 = collector(s);
    await net1.wait(/login: $/);
    assert.match(net1.text, /^\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f/, 'telnet negotiation first');
    assert.match(net1.text, /tuml: User Mode Linux in TypeScript/, '/etc/issue');
    let m = net1.mark();
    s.write('root\n');
    await net1.wait(/# (\x1b\[6n)?$/, m);
    m = net1.mark();
    s.write('echo hi-$((6*7)); tty; echo done\n');
    await net1.wait(/done\r\n[^\n]*# (\x1b\[6n)?$/, m);
    const got = net1.text.slice(m);
    assert.match(got, /\r\nhi-42\r\n/, got);
    assert.match(got, /\r\n\/dev\/tty1\r\n/, got);

    // the main console is still usable, and sees the login on tty1
    let mo = out.mark();
    child.stdin.write('echo main-$((2*3)); ps\n');
    await out.wait(/main-6\r?\n[\s\S]*# (\x1b\[6n)?$/, mo);
    assert.match(out.text.slice(mo), /-sh/, 'the login shell on tty1 shows in ps');

    // ^C over the connection interrupts the foreground job there
    m = net1.mark();
    s.write('sleep 30; echo slept\n');
    await new Promise((r) => setTimeout(r, 1000));
    s.write('\x03');
    await net1.wait(/\^C[\s\S]*# (\x1b\[6n)?$/, m);
    assert.doesNotMatch(net1.text.slice(m), /\nslept/);

    // hang up: the session goes, a fresh getty answers the next connection
    s.destroy();
    for (let i = 0; ; i++) {
      await new Promise((r) => setTimeout(r, 300));
      s = await connect(port);
      net1 = collector(s);
      const r = await Promise.race([net1.wait(/login: $/, 0, 30_000), net1.wait(/No free line/, 0, 30_000)]);
      s.destroy();
      if (!/No free line/.test(r[0])) break;
      assert.ok(i < 20, 'the line stays busy after the client left');
    }

    mo = out.mark();
    child.stdin.write('poweroff -f\n');
    assert.equal(await exited, 0, err.text);
  } finally {
    child.kill('SIGKILL');
  }
});

test('telnet input: IAC sequences are stripped, CR NUL and CR LF end a line', { skip, timeout: 60_000 }, async () => {
  const port = await freePort();
  const dir = scratch('tuml-chan-').dir;
  // init reads one line from con1 and prints it, with its bytes, on the main console
  const script = 'read -r x < /dev/tty1; echo "[$x]"; echo "$x" | od -An -c';
  const child = spawn(TUML, [`uml_dir=${dir}`, `con1=port:${port}`, '--', '/bin/sh', '-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = collector(child.stdout), err = collector(child.stderr);
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  try {
    await err.wait(/con1: listening/);
    const s = await connect(port);
    // IAC DO ECHO, IAC WILL NAWS, IAC SB NAWS 0 80 0 24 IAC SE, data with an escaped IAC
    s.write(Buffer.from([0xff, 0xfd, 0x01, 0xff, 0xfb, 0x1f, 0xff, 0xfa, 0x1f, 0, 80, 0, 24, 0xff, 0xf0]));
    s.write(Buffer.from('ab\xff\xffc\r\0', 'latin1'));
    await out.wait(/\[ab.c\]/);
    assert.equal(await exited, 0, err.text);
    s.destroy();
  } finally {
    child.kill('SIGKILL');
  }
});

test('ssl0=file:PATH gets a serial line\'s output; con1=fd:N,fd:M uses host fds', { skip, timeout: 60_000 }, () => {
  const { dir } = scratch('tuml-chan-');
  const file = path.join(dir, 'serial.log');
  const r = spawnSync(TUML, [`uml_dir=${dir}`, `ssl0=file:${file}`, '--', '/bin/sh', '-c',
    'echo to-serial > /dev/ttyS0; ls -l /dev/ttyS0 | cut -c1-1; stat -c %t,%T /dev/ttyS0'], { encoding: 'latin1', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.readFileSync(file, 'latin1'), 'to-serial\r\n');
  assert.equal(r.stdout, 'c\n4,40\n');
  // con1 on fds 3 (in) and 4 (out) of the tuml process
  const fin = path.join(dir, 'in'), fout = path.join(dir, 'out');
  fs.writeFileSync(fin, 'line-one\n');
  const ifd = fs.openSync(fin, 'r'), ofd = fs.openSync(fout, 'w');
  const r2 = spawnSync(TUML, [`uml_dir=${dir}`, 'con1=fd:3,fd:4', '--', '/bin/sh', '-c',
    'read x < /dev/tty1; echo "got $x" > /dev/tty1; echo ok'], { encoding: 'latin1', timeout: 30_000, stdio: ['pipe', 'pipe', 'pipe', ifd, ofd] });
  fs.closeSync(ifd); fs.closeSync(ofd);
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(r2.stdout, 'ok\n');
  assert.equal(fs.readFileSync(fout, 'latin1'), 'line-one\r\ngot line-one\r\n');
});

test('channels that are not supported are refused with one line', { skip }, () => {
  for (const [arg, re] of [
    ['con1=pts', /con1=pts: host pseudo-terminals \(pts\) are not supported/],
    ['ssl=xterm', /ssl=xterm: xterm channels are not supported/],
    ['con2=tcp:5', /con2=tcp:5: unknown channel 'tcp:5'/],
    ['con1=file:/x,fd:1', /file: is an output channel only/],
    ['con1=port:99999', /port 99999 is out of range/],
    ['con1=fd:0,port:4000', /port:N carries both directions/],
  ]) {
    const r = spawnSync(TUML, [arg, '--', '/bin/true'], { encoding: 'latin1', timeout: 30_000 });
    assert.notEqual(r.status, 0, arg);
    assert.match(r.stderr, re, arg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const r = spawnSync(TUML, ['con1=fd:57', '--', '/bin/true'], { encoding: 'latin1', timeout: 30_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /con1=fd:57: fd:57: not an open file descriptor/);
});
