// Several machines on one virtual LAN: tuml machines on Debian's uml_switch (eth=daemon),
// started here on a temporary control socket; a router between two switches (A - R - B,
// ip_forward=1); multicast and point-to-point UDP links; and real UML (Debian's
// user-mode-linux, its own daemon transport) on the same switch as a tuml machine.
// Machines are synchronised through their consoles: a guest prints a marker when it is
// ready and waits on `read` until the test writes a line, so no step depends on timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ROOT, TUML, scratch, skipReason, tumlBuilt, have } from './lib/guest.mjs';

const BUSYBOX = path.join(ROOT, 'bin', 'busybox');
const ADDON = path.join(path.dirname(TUML), '..', 'native', 'build', 'Release', 'unix_dgram.node');
const base = skipReason([
  [fs.existsSync(BUSYBOX), `${BUSYBOX} missing (run: bash scripts/fetch-guest.sh)`],
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(ADDON), 'native/unix_dgram.node is not built (npm run build; needs python3, make, g++)'],
]);
const skipSwitch = base ?? skipReason([[have('uml_switch'), 'uml_switch missing (apt-get install uml-utilities)']]);
const STEP_MS = 180_000;

const cleanups = [];
test.after(() => { for (const c of cleanups.reverse()) c(); });

function makeRoot() {
  const { dir, cleanup } = scratch('tuml-lan-');
  cleanups.push(cleanup);
  for (const d of ['bin', 'tmp', 'proc', 'data']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  fs.symlinkSync('busybox', path.join(dir, 'bin', 'sh'));
  return dir;
}

/** A uml_switch on a fresh control socket; stopped after the tests. */
async function startSwitch(dir, name) {
  const ctl = path.join(dir, `${name}.ctl`);
  const p = spawn('uml_switch', ['-unix', ctl], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  cleanups.push(() => p.kill('SIGINT')); // uml_switch removes its socket on SIGINT
  // The socket file appears at bind(); wait until the switch also listens on it.
  const listening = () => new Promise((resolve) => {
    const c = net.connect(ctl);
    c.on('connect', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
  for (let i = 0; i < 400 && !(fs.existsSync(ctl) && await listening()); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(fs.existsSync(ctl), `uml_switch did not create ${ctl}: ${err}`);
  return { ctl, stderr: () => err };
}

/**
 * A running machine (tuml, or any command): its console output so far, waitFor(re),
 * send(line) to its console, and done (a promise of { code, out, err }).
 */
function machine(cmd, args, label) {
  const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const m = { out: '', err: '', waiters: [], label };
  const check = () => { m.waiters = m.waiters.filter((w) => { const x = w.re.exec(m.out); if (x) w.resolve(x); return !x; }); };
  p.stdout.on('data', (d) => { m.out += d; check(); });
  p.stderr.on('data', (d) => { m.err += d; });
  const kill = setTimeout(() => p.kill('SIGKILL'), 4 * STEP_MS);
  m.done = new Promise((resolve) => p.on('exit', (code, sig) => {
    clearTimeout(kill);
    for (const w of m.waiters) w.reject(new Error(`${label} exited (${code ?? sig}) before /${w.re.source}/:\n${m.out}\n${m.err}`));
    m.waiters = [];
    resolve({ code, out: m.out, err: m.err });
  }));
  cleanups.push(() => p.kill('SIGKILL'));
  m.waitFor = (re) => new Promise((resolve, reject) => {
    const x = re.exec(m.out);
    if (x) { resolve(x); return; }
    const t = setTimeout(() => reject(new Error(`${label}: no /${re.source}/ within ${STEP_MS / 1000} s:\n${m.out}\n${m.err}`)), STEP_MS);
    m.waiters.push({ re, resolve: (v) => { clearTimeout(t); resolve(v); }, reject: (e) => { clearTimeout(t); reject(e); } });
  });
  m.send = (line) => { if (!p.stdin.destroyed) p.stdin.write(`${line}\n`); };
  return m;
}

/** A tuml machine on `root` running `script` with /bin/sh, its eth= options in `eths`. */
function tuml(root, eths, script, label) {
  return machine(process.execPath, [TUML, 'quiet', 'mem=96M', 'rootfstype=hostfs', `hostfs=${root}`, ...eths,
    '--', '/bin/sh', '-c', `PATH=/bin\n${script}`], label);
}

const sha256 = (f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

test('two tuml machines on one uml_switch: ping both ways, 10 MB over TCP with nc, checksummed', { skip: skipSwitch }, async () => {
  const root = makeRoot();
  const sw = await startSwitch(root, 'sw');
  fs.writeFileSync(path.join(root, 'data', 'src'), crypto.randomBytes(10 << 20));
  const B = tuml(root, [`eth0=daemon,,unix,${sw.ctl}`], `busybox ifconfig eth0 10.7.0.2 netmask 255.255.255.0 up
echo B-ready; read go
busybox ping -c 2 10.7.0.1; echo "B-ping=$?"
busybox nc -l -p 5001 > /data/out; echo "B-nc=$?"
read done`, 'B');
  await B.waitFor(/B-ready/);
  const A = tuml(root, [`eth0=daemon,,unix,${sw.ctl}`], `busybox ifconfig eth0 10.7.0.1 netmask 255.255.255.0 up
busybox ping -c 2 10.7.0.2; echo "A-ping=$?"
echo A-ready; read go
i=0; until busybox nc 10.7.0.2 5001 < /data/src; do i=$((i+1)); [ $i -gt 100 ] && break; busybox sleep 0.2; done
echo "A-nc=$? tries=$i"`, 'A');
  await A.waitFor(/A-ping=(\d+)/);
  assert.match(A.out, /2 packets transmitted, 2 packets received/, A.out);
  await A.waitFor(/A-ready/);
  B.send('go');
  await B.waitFor(/B-ping=0/);
  assert.match(B.out, /2 packets transmitted, 2 packets received/);
  A.send('go');
  await B.waitFor(/B-nc=0/);
  const a = await A.done;
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /A-nc=0/);
  B.send('done');
  const b = await B.done;
  assert.equal(b.code, 0, b.err);
  assert.equal(fs.statSync(path.join(root, 'data', 'out')).size, 10 << 20);
  assert.equal(sha256(path.join(root, 'data', 'out')), sha256(path.join(root, 'data', 'src')));
});

test('routing A - R - B over two switches: R forwards (ip_forward=1, TTL decrement, time exceeded), nc A to B', { skip: skipSwitch }, async () => {
  const root = makeRoot();
  const sw1 = await startSwitch(root, 'sw1'), sw2 = await startSwitch(root, 'sw2');
  fs.writeFileSync(path.join(root, 'data', 'src'), crypto.randomBytes(2 << 20));
  const R = tuml(root, [`eth0=daemon,,unix,${sw1.ctl}`, `eth1=daemon,,unix,${sw2.ctl}`], `busybox mount -t proc proc /proc
busybox ifconfig eth0 10.8.1.1 netmask 255.255.255.0 up
busybox ifconfig eth1 10.8.2.1 netmask 255.255.255.0 up
echo 1 > /proc/sys/net/ipv4/ip_forward
echo R-ready; read done
busybox grep -E "^Ip:" /proc/net/snmp | busybox tail -n 1`, 'R');
  await R.waitFor(/R-ready/);
  const B = tuml(root, [`eth0=daemon,,unix,${sw2.ctl}`], `busybox ifconfig eth0 10.8.2.2 netmask 255.255.255.0 up
busybox route add default gw 10.8.2.1
echo B-ready
busybox nc -l -p 5002 > /data/out; echo "B-nc=$?"
read done`, 'B');
  await B.waitFor(/B-ready/);
  const A = tuml(root, [`eth0=daemon,,unix,${sw1.ctl}`], `busybox ifconfig eth0 10.8.1.2 netmask 255.255.255.0 up
busybox ip route add 10.8.2.0/24 via 10.8.1.1
busybox ping -c 2 10.8.2.2; echo "A-ping=$?"
busybox traceroute -n -q 1 -w 3 10.8.2.2; echo "A-trace=$?"
i=0; until busybox nc 10.8.2.2 5002 < /data/src; do i=$((i+1)); [ $i -gt 100 ] && break; busybox sleep 0.2; done
echo "A-nc=$?"`, 'A');
  await A.waitFor(/A-ping=0/);
  assert.match(A.out, /bytes from 10\.8\.2\.2: seq=\d+ ttl=63/, 'the reply crossed R (TTL 64 - 1)');
  await A.waitFor(/A-trace=0/);
  // Hop 1 answers with ICMP time exceeded from R's address on A's side, hop 2 is B.
  assert.match(A.out, /\n\s*1\s+10\.8\.1\.1\s/, A.out);
  assert.match(A.out, /\n\s*2\s+10\.8\.2\.2\s/, A.out);
  await B.waitFor(/B-nc=0/);
  const a = await A.done;
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /A-nc=0/);
  B.send('done'); R.send('done');
  const [b, r] = await Promise.all([B.done, R.done]);
  assert.equal(b.code, 0, b.err);
  assert.equal(r.code, 0, r.err);
  const ip = r.out.trim().split('\n').pop().split(/\s+/);
  assert.equal(ip[1], '1', 'Forwarding is on');
  assert.ok(+ip[6] > 1000, `R forwarded the transfer (ForwDatagrams ${ip[6]})`);
  assert.equal(sha256(path.join(root, 'data', 'out')), sha256(path.join(root, 'data', 'src')));
});

/** Whether the host delivers a multicast datagram back to its sender (loopback on). */
async function multicastWorks() {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  try {
    return await new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), 2000);
      s.on('error', () => { clearTimeout(t); resolve(false); });
      s.on('message', () => { clearTimeout(t); resolve(true); });
      s.bind(0, () => {
        try { s.addMembership('239.192.168.99'); } catch { try { s.addMembership('239.192.168.99', '127.0.0.1'); s.setMulticastInterface('127.0.0.1'); } catch { resolve(false); return; } }
        s.setMulticastLoopback(true);
        s.send('probe', s.address().port, '239.192.168.99');
      });
    });
  } finally { s.close(); }
}

test('eth=mcast (a multicast group) and eth=ucast (a UDP point-to-point link): ping across each', { skip: base }, async (t) => {
  const root = makeRoot();
  const port = 20000 + (process.pid % 20000);
  const links = [['ucast', [`eth0=ucast,,127.0.0.1,${port + 1},${port}`], [`eth0=ucast,,127.0.0.1,${port},${port + 1}`]]];
  if (await multicastWorks()) links.push(['mcast', [`eth0=mcast,,239.192.168.42,${port + 2}`], [`eth0=mcast,,239.192.168.42,${port + 2}`]]);
  else t.diagnostic('the host does not loop multicast back: mcast not tested');
  for (const [kind, ea, eb] of links) {
    const B = tuml(root, eb, `busybox ifconfig eth0 10.9.0.2 netmask 255.255.255.0 up; echo B-ready; read done`, `${kind} B`);
    await B.waitFor(/B-ready/);
    const A = tuml(root, ea, `busybox ifconfig eth0 10.9.0.1 netmask 255.255.255.0 up; busybox ping -c 2 10.9.0.2; echo "A-ping=$?"`, `${kind} A`);
    const a = await A.done;
    B.send('done');
    await B.done;
    assert.match(a.out, /2 packets transmitted, 2 packets received/, `${kind}: ${a.out}\n${a.err}`);
    assert.match(a.out, /A-ping=0/);
  }
});

test('eth= transports that need root or are malformed give one clear line', { skip: base ? base : false }, () => {
  const run = (arg) => spawnSync(process.execPath, [TUML, arg], { encoding: 'utf8', timeout: 30000 });
  for (const [arg, re] of [
    ['eth0=tuntap,,,10.0.0.1', process.getuid?.() === 0 ? /not implemented/ : /needs root/],
    ['eth0=daemon,,tcp,/tmp/x', /unsupported socket type 'tcp'/],
    ['eth0=daemon,zz,unix,/tmp/x', /not a MAC address/],
    ['eth0=mcast,,10.1.2.3', /not an IPv4 multicast address/],
    ['eth0=ucast,,127.0.0.1,99999', /not a port number/],
  ]) {
    const r = run(arg);
    assert.notEqual(r.status, 0, arg);
    assert.match(r.stderr, re, arg);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${arg}: no stack trace`);
  }
  const dir = scratch('tuml-lan-nosw-');
  cleanups.push(dir.cleanup);
  const r = run(`eth0=daemon,,unix,${path.join(dir.dir, 'none.ctl')}`);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cannot join the switch at .*none\.ctl: No such file or directory/);
});

// ---- real UML on the same switch ------------------------------------------------------
const UML = process.env.TUML_UML || '/usr/bin/linux';
/** A static x86-64 busybox for UML's hostfs root: fetch-peers' copy, or Debian's busybox-static. */
function hostBusybox() {
  for (const p of [path.join(ROOT, '..', 'peers', 'root', 'bin', 'busybox'), '/bin/busybox', '/usr/bin/busybox']) {
    if (!fs.existsSync(p)) continue;
    const r = spawnSync('sh', ['-c', 'file -L "$1" 2>/dev/null || true', 'sh', p], { encoding: 'utf8' });
    if (/statically linked|static-pie/.test(r.stdout) || !have('file')) return p;
  }
  return null;
}
const umlSkip = skipSwitch ?? skipReason([
  [fs.existsSync(UML), `${UML} missing (apt-get install user-mode-linux)`],
  [hostBusybox() !== null, 'no static host busybox for UML (apt-get install busybox-static, or bash scripts/fetch-peers.sh)'],
]);

/** A hostfs root for UML: the host busybox, and init.sh running `script`, then power-off. */
function umlRoot(script) {
  const { dir, cleanup } = scratch('tuml-lan-uml-');
  cleanups.push(cleanup);
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp']) fs.mkdirSync(path.join(dir, d));
  fs.copyFileSync(hostBusybox(), path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  fs.symlinkSync('busybox', path.join(dir, 'bin', 'sh'));
  fs.writeFileSync(path.join(dir, 'init.sh'), `#!/bin/sh\nexport PATH=/bin\n${script}\n/bin/busybox poweroff -f\n`, { mode: 0o755 });
  return dir;
}
const umlArgs = (root, extra) => ['mem=64M', 'root=/dev/root', 'rootfstype=hostfs', `hostfs=${root}`, 'init=/init.sh',
  'quiet', 'con0=fd:0,fd:1', 'con=null', `uml_dir=${root}`, `umid=lan${process.pid}`, ...extra];

test('real UML (eth0=daemon) and tuml on one uml_switch ping each other', { skip: umlSkip }, async (t) => {
  // UML must boot here at all (it needs ptrace and an executable /dev/shm or TMPDIR).
  const probe = spawnSync(UML, umlArgs(umlRoot('echo uml-boots'), []), { encoding: 'utf8', timeout: 120000, input: '' });
  if (!/uml-boots/.test(probe.stdout)) { t.skip(`UML does not boot on this host: ${(probe.stdout + probe.stderr).trim().split('\n').slice(-2).join(' | ')}`); return; }
  const troot = makeRoot();
  const sw = await startSwitch(troot, 'sw');
  const T = tuml(troot, [`eth0=daemon,,unix,${sw.ctl}`], `busybox ifconfig eth0 10.6.0.1 netmask 255.255.255.0 up
echo T-ready; read go
busybox ping -c 2 10.6.0.2; echo "T-ping=$?"; read done`, 'tuml');
  await T.waitFor(/T-ready/);
  const U = machine(UML, umlArgs(umlRoot(`busybox ifconfig eth0 10.6.0.2 netmask 255.255.255.0 up
echo U-ready
busybox ping -c 2 10.6.0.1; echo "U-ping=$?"
read go`), [`eth0=daemon,,unix,${sw.ctl}`]), 'UML');
  await U.waitFor(/U-ping=(\d+)/);
  assert.match(U.out, /2 packets transmitted, 2 packets received/, `UML pings tuml:\n${U.out}\n${U.err}`);
  T.send('go');
  await T.waitFor(/T-ping=(\d+)/);
  assert.match(T.out, /2 packets transmitted, 2 packets received/, `tuml pings UML:\n${T.out}`);
  U.send('go'); T.send('done');
  await Promise.all([U.done, T.done]);
});
