import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createConsole, HostConsoleDriver, openConsole, registerTtyDevices, getConsoleTty } from './console.js';
import { findCharDevice } from '../char/registry.js';
import { setTtyJobControl } from './jobctl.js';
import { TtyFile } from './tty.js';
import { O_RDWR } from '../../abi/linux/fcntl.js';
import { BLOCK, WaitQueue } from '../../lib/waitqueue.js';
import { ENXIO } from '../../abi/linux/errno.js';

class Sl { q: WaitQueue | null = null; blockOn(wq: WaitQueue): void { this.q = wq; } }

test('console: host input through the line discipline, output with ONLCR to the host fd, EOF reads 0', async () => {
  setTtyJobControl(null);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-con-'));
  const outPath = path.join(dir, 'out');
  const fd = fs.openSync(outPath, 'w');
  const input = new PassThrough();
  createConsole(new HostConsoleDriver(fd, input));
  const f = openConsole();
  assert.ok(f.redirect);
  const s = new Sl();
  const buf = new Uint8Array(64);
  assert.equal(f.read(buf, false, s), BLOCK);     // starts listening
  const woke = new Promise<void>((res) => s.q!.add({ wake: () => res() }));
  input.write('echo hi\r');
  await woke;
  const n = f.read(buf, false, s);
  assert.equal(Buffer.from(buf.subarray(0, n)).toString(), 'echo hi\n');
  assert.equal(f.write(Buffer.from('out\n'), false, s), 4);
  input.end();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(f.read(buf, false, s), 0);
  fs.closeSync(fd);
  assert.equal(fs.readFileSync(outPath, 'latin1'), 'echo hi\r\nout\r\n');
  fs.rmSync(dir, { recursive: true });
});

test('console devices: /dev/console, /dev/tty0, /dev/tty (ENXIO without a ctty)', () => {
  registerTtyDevices();
  createConsole(new HostConsoleDriver(1, null));
  const con = findCharDevice(5, 1)!(1, O_RDWR) as TtyFile;
  assert.equal(con.tty, getConsoleTty());
  assert.ok(con.redirect);
  const t0 = findCharDevice(4, 0)!(0, O_RDWR) as TtyFile;
  assert.equal(t0.tty, getConsoleTty());
  assert.ok(!t0.redirect);
  // no job control installed: /dev/tty falls back to the console
  assert.equal((findCharDevice(5, 0)!(0, O_RDWR) as TtyFile).tty, getConsoleTty());
  setTtyJobControl({ current: () => null, signalPgrp: () => {}, pgrpInSession: () => false, isOrphanedPgrp: () => false });
  assert.equal(findCharDevice(5, 0)!(0, O_RDWR), -ENXIO);
  setTtyJobControl(null);
});
