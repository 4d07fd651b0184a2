// Networking acceptance under tuml (loopback addresses only): busybox httpd, wget and
// nc over the guest's lo; ifconfig/route/ip configuration; eth0=slirp reaching a host
// HTTP server at 10.0.2.2, and hostfwd= reaching busybox httpd in the guest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT, TUML, scratch, skipReason, tumlBuilt } from './lib/guest.mjs';

const BUSYBOX = path.join(ROOT, 'bin', 'busybox');
const skip = skipReason([[fs.existsSync(BUSYBOX), `${BUSYBOX} missing (run: bash scripts/fetch-guest.sh)`]]);

const cleanups = [];
test.after(() => { for (const c of cleanups) c(); });

function makeRoot() {
  const { dir, cleanup } = scratch('tuml-net-');
  cleanups.push(cleanup);
  for (const d of ['bin', 'www', 'tmp', 'dev', 'proc']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  fs.symlinkSync('busybox', path.join(dir, 'bin', 'sh'));
  fs.writeFileSync(path.join(dir, 'www', 'index.html'), '<h1>hello from tuml httpd</h1>\n');
  return dir;
}

/** Boot tuml with a shell script; onLine sees stdout as it comes. */
function boot(root, kargs, script, onOut = () => {}) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [TUML, 'quiet', 'mem=128M', 'rootfstype=hostfs', `hostfs=${root}`, ...kargs, '--', '/bin/sh', '-c', script],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const t = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.stdout.on('data', (d) => { out += d; onOut(out); });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => { clearTimeout(t); resolve({ out, err, code }); });
  });
}

test('busybox httpd, wget and nc over the guest loopback; ping 127.0.0.1', { skip: skip ?? (tumlBuilt() ? false : "tuml is not built (npm run build)") }, async () => {
  const root = makeRoot();
  const r = await boot(root, [], `busybox mount -t proc proc /proc
busybox httpd -p 127.0.0.1:8080 -h /www
busybox wget -q -O - http://127.0.0.1:8080/index.html
echo "wget $?"
busybox nc -l -p 9000 > /tmp/got &
busybox sleep 0.3
echo "through nc" | busybox nc 127.0.0.1 9000
wait $!
busybox cat /tmp/got
busybox ping -c 1 127.0.0.1 | busybox grep -c "bytes from"
busybox netstat -tln | busybox grep -c ":8080"
`);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /hello from tuml httpd<\/h1>\nwget 0\n/);
  assert.match(r.out, /through nc\n1\n1\n/);
});

test('ifconfig, route and ip configure an interface; /proc/net and ip_forward', { skip: skip ?? (tumlBuilt() ? false : "tuml is not built (npm run build)") }, async () => {
  const root = makeRoot();
  const r = await boot(root, ['eth0=slirp'], `busybox mount -t proc proc /proc
busybox ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up
busybox route add default gw 10.0.2.2
busybox ip addr add 192.168.7.1/24 dev eth0
busybox ip route add 172.16.0.0/16 via 10.0.2.2
busybox ip -4 addr show dev eth0 | busybox grep inet
busybox ip route
busybox cat /proc/net/route | busybox cut -f1-4
echo 1 > /proc/sys/net/ipv4/ip_forward; busybox cat /proc/sys/net/ipv4/ip_forward
busybox grep -c eth0 /proc/net/dev
`);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /inet 10\.0\.2\.15\/24 brd 10\.0\.2\.255 scope global eth0/);
  assert.match(r.out, /inet 192\.168\.7\.1\/24/);
  assert.match(r.out, /default via 10\.0\.2\.2 dev eth0/);
  assert.match(r.out, /172\.16\.0\.0\/16 via 10\.0\.2\.2 dev eth0/);
  assert.match(r.out, /eth0\t00000000\t0202000A\t0003/);
  assert.match(r.out, /\n1\n1\n$/);
});

test('eth0=slirp: guest wget reaches a host server at 10.0.2.2; hostfwd reaches guest httpd', { skip: skip ?? (tumlBuilt() ? false : "tuml is not built (npm run build)") }, async () => {
  const srv = http.createServer((q, res) => res.end(`hello from the host ${q.url}\n`));
  await new Promise((res) => srv.listen(0, '127.0.0.1', res));
  const port = srv.address().port;
  const probe = http.createServer(); // find a free host port for hostfwd
  await new Promise((res) => probe.listen(0, '127.0.0.1', res));
  const hp = probe.address().port;
  await new Promise((res) => probe.close(res));
  const root = makeRoot();
  let fetched = null;
  const r = await boot(root, ['eth0=slirp', 'ip=dhcp', `hostfwd=tcp:127.0.0.1:${hp}-:80`], `busybox wget -q -O - http://10.0.2.2:${port}/from-guest
echo "wget $?"
busybox wget -q -O - http://10.0.2.2:1/ 2>&1 | busybox head -1
busybox httpd -p 80 -h /www
echo READY
while [ ! -e /tmp/done ]; do busybox sleep 0.1; done
`, (out) => {
    if (out.includes('READY') && fetched === null) {
      fetched = new Promise((resolve, reject) => http.get(`http://127.0.0.1:${hp}/index.html`, (res) => {
        let b = ''; res.on('data', (c) => { b += c; }); res.on('end', () => resolve(b));
      }).on('error', reject)).finally(() => fs.writeFileSync(path.join(root, 'tmp', 'done'), ''));
    }
  });
  srv.close();
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /hello from the host \/from-guest\nwget 0\n/);
  assert.match(r.out, /wget: can't connect to remote host \(10\.0\.2\.2\): Connection refused/);
  assert.equal(await fetched, '<h1>hello from tuml httpd</h1>\n');
});

// udhcpc's event script: the one tuml's initramfs ships (scripts/initramfs/etc/udhcpc).
const UDHCPC_SCRIPT = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'scripts', 'initramfs', 'etc', 'udhcpc', 'default.script');

test('eth0=slirp: udhcpc gets the lease over packet sockets and configures eth0; ping 10.0.2.2', { skip: skip ?? (tumlBuilt() ? false : "tuml is not built (npm run build)") }, async () => {
  const root = makeRoot();
  fs.mkdirSync(path.join(root, 'etc', 'udhcpc'), { recursive: true });
  fs.copyFileSync(UDHCPC_SCRIPT, path.join(root, 'etc', 'udhcpc', 'default.script'));
  fs.chmodSync(path.join(root, 'etc', 'udhcpc', 'default.script'), 0o755);
  fs.symlinkSync('busybox', path.join(root, 'bin', 'ip'));
  const r = await boot(root, ['eth0=slirp'], `busybox mount -t proc proc /proc
busybox udhcpc -i eth0 -q -n -t 3 -T 1
echo "udhcpc $?"
busybox ip -4 addr show dev eth0 | busybox grep inet
busybox ip route
busybox cat /etc/resolv.conf
busybox ping -c 2 -W 2 10.0.2.2 | busybox grep -c "bytes from 10.0.2.2"
`);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /lease of 10\.0\.2\.15 obtained from 10\.0\.2\.2/);
  assert.match(r.out, /udhcpc 0\n/);
  assert.match(r.out, /inet 10\.0\.2\.15\/24 brd 10\.0\.2\.255 scope global eth0/);
  assert.match(r.out, /default via 10\.0\.2\.2 dev eth0/);
  assert.match(r.out, /nameserver 10\.0\.2\.3\n2\n$/);
});

test('IPv6 on lo: ip -6 addr, /proc/net/if_inet6 and tcp6, httpd and wget over ::1 and dual-stack, ping ::1', { skip: skip ?? (tumlBuilt() ? false : "tuml is not built (npm run build)") }, async () => {
  const root = makeRoot();
  const r = await boot(root, [], `busybox mount -t proc proc /proc
busybox ip -6 addr show dev lo | busybox grep inet6
busybox cat /proc/net/if_inet6
busybox httpd -p [::1]:8086 -h /www
busybox grep -c "00000000000000000000000001000000:1F96 00000000000000000000000000000000:0000 0A" /proc/net/tcp6
busybox wget -q -O - "http://[::1]:8086/index.html"
busybox httpd -p 8087 -h /www
busybox wget -q -O - http://127.0.0.1:8087/index.html
busybox grep -c "0000000000000000FFFF00000100007F:1F97" /proc/net/tcp6
busybox ping -c 2 ::1 | busybox grep -c "bytes from ::1: seq=.* ttl=64"
busybox ip -6 route
echo 1 > /proc/sys/net/ipv6/bindv6only
busybox httpd -p 8088 -h /www
busybox wget -q -O - http://127.0.0.1:8088/index.html 2>&1 | busybox head -1
`);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /inet6 ::1\/128 scope host/);
  assert.match(r.out, /00000000000000000000000000000001 01 80 10 80       lo\n1\n/);
  assert.match(r.out, /\n1\n<h1>hello from tuml httpd<\/h1>\n<h1>hello from tuml httpd<\/h1>\n1\n2\n::1 dev lo {2}metric 256 \n/);
  // net.ipv6.bindv6only=1: a new :: listener takes no IPv4.
  assert.match(r.out, /wget: can't connect to remote host \(127\.0\.0\.1\): Connection refused\n$/);
});
