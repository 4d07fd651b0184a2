import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, wire, mac, newStack } from './testlib.js';
import { Tcp, TcpSock, TcpState, TCP_TIMEWAIT_LEN } from './tcp.js';
import { Udp, DgramEndpoint, Ping, RawEndpoint } from './udp.js';
import { NetStack, IPPROTO_ICMP, parseIp } from './stack.js';
import { parseIp as ip, checksum, wr16 } from './util.js';

const LO = ip('127.0.0.1')!;

function tcpPair(clock: ManualClock, s: NetStack, tcpS: Tcp, tcpC: Tcp, addr: number, port: number) {
  const l = new TcpSock();
  assert.equal(tcpS.bind(l, 0, port), 0);
  assert.equal(tcpS.listen(l, 8), 0);
  const c = new TcpSock();
  assert.equal(tcpC.connect(c, addr, port), -115);
  clock.until(() => c.state === TcpState.ESTABLISHED && l.acceptQ.length > 0, 30e9);
  const a = tcpS.accept(l);
  assert.ok(a instanceof TcpSock);
  return { l, c, a: a as TcpSock };
}

function readAll(tcp: Tcp, sk: TcpSock): Uint8Array {
  const out: number[] = [];
  const b = new Uint8Array(65536);
  for (;;) { const n = tcp.recv(sk, b); if (n <= 0) break; for (let i = 0; i < n; i++) out.push(b[i]); }
  return Uint8Array.from(out);
}

test('checksum and address helpers', () => {
  const h = Uint8Array.from([0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7]);
  wr16(h, 10, checksum(h));
  assert.equal(h[10], 0xb8); assert.equal(h[11], 0x61);
  assert.equal(checksum(h), 0);
  assert.equal(ip('10.0.2.15'), 0x0a00020f);
  assert.equal(ip('256.0.0.1'), null);
});

test('TCP over lo: handshake, data both ways, close, TIME_WAIT', () => {
  const clock = new ManualClock();
  const s = newStack(clock);
  const tcp = new Tcp(s);
  const { l, c, a } = tcpPair(clock, s, tcp, tcp, LO, 8080);
  assert.equal(a.raddr, LO); assert.equal(a.rport, c.lport); assert.equal(a.lport, 8080);
  const msg = new TextEncoder().encode('hello, tcp');
  assert.equal(tcp.send(c, msg), msg.length);
  const got = readAll(tcp, a);
  assert.deepEqual([...got], [...msg]);
  // Bulk: 1 MB each way, no clock needed on lo beyond ACK batches.
  const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 255);
  let off = 0; const rcv: Uint8Array[] = []; let rlen = 0;
  const buf = new Uint8Array(100000);
  while (off < big.length || rlen < big.length) {
    if (off < big.length) { const n = tcp.send(a, big.subarray(off)); if (n > 0) off += n; }
    const n = tcp.recv(c, buf); if (n > 0) { rcv.push(buf.slice(0, n)); rlen += n; }
    clock.advance(1e6);
  }
  const all = new Uint8Array(rlen); let p = 0; for (const r of rcv) { all.set(r, p); p += r.length; }
  assert.deepEqual(all, big);
  // Active close by the client.
  tcp.close(c);
  clock.advance(1e6);
  assert.equal(a.state, TcpState.CLOSE_WAIT);
  assert.equal(tcp.recv(a, buf), 0);
  assert.equal(c.state, TcpState.FIN_WAIT2);
  tcp.close(a);
  clock.advance(1e6);
  assert.equal(c.state, TcpState.TIME_WAIT);
  assert.equal(a.state, TcpState.CLOSE);
  clock.advance(TCP_TIMEWAIT_LEN + 1e9);
  assert.equal(c.state, TcpState.CLOSE);
  assert.equal(tcp.conns.size, 0);
  tcp.close(l);
  assert.equal(tcp.listeners.size, 0);
});

test('TCP: connect to a closed port is refused; RST on close with unread data', () => {
  const clock = new ManualClock();
  const s = newStack(clock);
  const tcp = new Tcp(s);
  const c = new TcpSock();
  assert.equal(tcp.connect(c, LO, 9), -115);
  assert.equal(c.state, TcpState.CLOSE);
  assert.equal(c.error, 111);
  const { a, c: c2 } = tcpPair(clock, s, tcp, tcp, LO, 7000);
  tcp.send(c2, new Uint8Array([1, 2, 3]));
  tcp.close(a); // unread data → RST
  assert.equal(c2.state, TcpState.CLOSE);
  assert.equal(tcp.recv(c2, new Uint8Array(10)), -104);
});

test('TCP: simultaneous close goes through CLOSING', () => {
  const clock = new ManualClock();
  const s = newStack(clock);
  const tcp = new Tcp(s);
  const { a, c } = tcpPair(clock, s, tcp, tcp, LO, 7001);
  s.batch(() => { tcp.shutdown(a, 1); tcp.shutdown(c, 1); });
  clock.advance(1e6);
  assert.equal(a.state, TcpState.TIME_WAIT);
  assert.equal(c.state, TcpState.TIME_WAIT);
});

test('TCP over a lossy link: retransmission, fast retransmit and Reno recover every byte', () => {
  const clock = new ManualClock();
  const A = newStack(clock), B = newStack(clock);
  const ea = A.addDevice('eth0', 1500, mac(1)), eb = B.addDevice('eth0', 1500, mac(2));
  A.addAddr(ea, ip('192.168.1.1')!, 24); B.addAddr(eb, ip('192.168.1.2')!, 24);
  A.setDevUp(ea, true); B.setDevUp(eb, true);
  let n = 0;
  // Deterministic loss: every 7th frame (data, ACKs and the handshake alike).
  const st = wire(clock, ea, eb, 2e6, () => (++n % 7) === 0);
  const ta = new Tcp(A), tb = new Tcp(B);
  const { c, a } = tcpPair(clock, A, tb, ta, ip('192.168.1.2')!, 5001);
  const data = new Uint8Array(300000).map((_, i) => (i * 31 + (i >> 8)) & 255);
  let off = 0; let got = 0; const out = new Uint8Array(data.length); const buf = new Uint8Array(65536);
  const ok = clock.until(() => {
    if (off < data.length) { const k = ta.send(c, data.subarray(off)); if (k > 0) off += k; }
    for (;;) { const k = tb.recv(a, buf); if (k <= 0) break; out.set(buf.subarray(0, k), got); got += k; }
    return got === data.length;
  }, 600e9, 1e6);
  assert.ok(ok, `transfer finished (${got} of ${data.length})`);
  assert.deepEqual(out, data);
  assert.ok(st.dropped > 10);
  assert.ok(c.retransmits > 0, 'the sender retransmitted');
  assert.ok(c.cwnd > 0 && c.ssthresh < 0x7fffffff, 'a loss event lowered ssthresh');
  ta.close(c);
  assert.ok(clock.until(() => a.state === TcpState.CLOSE_WAIT, 60e9));
  tb.close(a);
  assert.ok(clock.until(() => a.state === TcpState.CLOSE && (c.state === TcpState.TIME_WAIT || c.state === TcpState.CLOSE), 120e9));
});

test('TCP: window updates from a slow reader are not duplicate ACKs (no spurious retransmission)', () => {
  const clock = new ManualClock();
  const A = newStack(clock), B = newStack(clock);
  const ea = A.addDevice('eth0', 1500, mac(1)), eb = B.addDevice('eth0', 1500, mac(2));
  A.addAddr(ea, ip('192.168.1.1')!, 24); B.addAddr(eb, ip('192.168.1.2')!, 24);
  A.setDevUp(ea, true); B.setDevUp(eb, true);
  const st = wire(clock, ea, eb, 200e3); // lossless
  const ta = new Tcp(A), tb = new Tcp(B);
  const { c, a } = tcpPair(clock, A, tb, ta, ip('192.168.1.2')!, 5002);
  const data = new Uint8Array(2000000).map((_, i) => (i * 7 + (i >> 9)) & 255);
  let off = 0, got = 0;
  const out = new Uint8Array(data.length), buf = new Uint8Array(3000);
  // The receiver drains a little at a time, so its window keeps opening in small steps.
  assert.ok(clock.until(() => {
    if (off < data.length) { const k = ta.send(c, data.subarray(off)); if (k > 0) off += k; }
    const k = tb.recv(a, buf);
    if (k > 0) { out.set(buf.subarray(0, k), got); got += k; }
    return got === data.length;
  }, 600e9, 100e3));
  assert.deepEqual(out, data);
  assert.equal(st.dropped, 0);
  assert.equal(c.retransmits, 0, 'nothing was lost, so nothing is sent twice');
});

test('TCP: SYN retransmission and ETIMEDOUT when the peer never answers', () => {
  const clock = new ManualClock();
  const A = newStack(clock), B = newStack(clock);
  const ea = A.addDevice('eth0', 1500, mac(1)), eb = B.addDevice('eth0', 1500, mac(2));
  A.addAddr(ea, ip('10.0.0.1')!, 24); B.addAddr(eb, ip('10.0.0.2')!, 24);
  A.setDevUp(ea, true); B.setDevUp(eb, true);
  let syns = 0;
  wire(clock, ea, eb, 1e6, (f, from) => { if (from === ea && f[12] === 8 && f[23] === 6) { syns++; return true; } return false; });
  const ta = new Tcp(A); new Tcp(B);
  const c = new TcpSock();
  assert.equal(ta.connect(c, ip('10.0.0.2')!, 80), -115);
  clock.advance(300e9);
  assert.equal(c.state, TcpState.CLOSE);
  assert.equal(c.error, 110);
  assert.equal(syns, 7); // the first SYN and 6 retries (tcp_syn_retries)
});

test('TCP: window scaling and a zero window with persist probes', () => {
  const clock = new ManualClock();
  const s = newStack(clock);
  const tcp = new Tcp(s);
  const { a, c } = tcpPair(clock, s, tcp, tcp, LO, 7002);
  assert.ok(c.wscaleOk && a.wscaleOk);
  assert.ok(a.sndWnd > 65535, 'a scaled window above 64 KiB');
  a.rcvBufMax = 100000;
  const d = new Uint8Array(400000).fill(7);
  let sent = 0;
  for (let i = 0; i < 50; i++) { const k = tcp.send(c, d.subarray(sent)); if (k > 0) sent += k; clock.advance(10e6); }
  assert.ok(a.rcvBuf.length <= 100000);
  assert.equal(c.sndWnd, 0);
  clock.advance(5e9); // persist timer probes; the connection survives
  assert.equal(c.state, TcpState.ESTABLISHED);
  const all = readAll(tcp, a).length;
  let total = all;
  for (let i = 0; i < 200 && total < sent; i++) { clock.advance(10e6); const k = tcp.send(c, d.subarray(sent)); if (k > 0) sent += k; total += readAll(tcp, a).length; }
  assert.ok(total >= 400000 || total === sent);
});

test('TCP keepalive: probes, then ETIMEDOUT when the peer is gone', () => {
  const clock = new ManualClock();
  const A = newStack(clock), B = newStack(clock);
  const ea = A.addDevice('eth0', 1500, mac(1)), eb = B.addDevice('eth0', 1500, mac(2));
  A.addAddr(ea, ip('10.0.0.1')!, 24); B.addAddr(eb, ip('10.0.0.2')!, 24);
  A.setDevUp(ea, true); B.setDevUp(eb, true);
  let cut = false;
  wire(clock, ea, eb, 1e6, () => cut);
  const ta = new Tcp(A), tb = new Tcp(B);
  const l = new TcpSock(); tb.bind(l, 0, 22); tb.listen(l, 1);
  const c = new TcpSock(); c.keepalive = true; c.keepIdle = 10e9; c.keepIntvl = 1e9; c.keepCnt = 3;
  ta.connect(c, ip('10.0.0.2')!, 22);
  clock.advance(100e6);
  assert.equal(c.state, TcpState.ESTABLISHED);
  clock.advance(30e9); // idle but answered: still up
  assert.equal(c.state, TcpState.ESTABLISHED);
  cut = true;
  clock.advance(30e9);
  assert.equal(c.state, TcpState.CLOSE);
  assert.equal(c.error, 110);
});

test('UDP over lo and ICMP port unreachable on a connected socket', () => {
  const clock = new ManualClock();
  const s = newStack(clock);
  const udp = new Udp(s);
  const srv = new DgramEndpoint(), cli = new DgramEndpoint();
  assert.equal(udp.bind(srv, 0, 5353), 0);
  assert.equal(udp.bind(new DgramEndpoint(), 0, 5353), -98);
  assert.equal(udp.send(cli, new Uint8Array([1, 2, 3]), LO, 5353), 3);
  const d = srv.dequeue()!;
  assert.deepEqual([...d.data], [1, 2, 3]);
  assert.equal(d.sport, cli.lport);
  assert.equal(udp.connect(cli, LO, 5354), 0);
  udp.send(cli, new Uint8Array([9]), LO, 5354);
  assert.equal(cli.takeError(), 111);
});

test('IPv4 fragmentation and reassembly (in order, reversed, duplicated), and a fragment flood', () => {
  const clock = new ManualClock();
  const A = newStack(clock), B = newStack(clock);
  const ea = A.addDevice('eth0', 1500, mac(1)), eb = B.addDevice('eth0', 1500, mac(2));
  A.addAddr(ea, ip('10.1.0.1')!, 24); B.addAddr(eb, ip('10.1.0.2')!, 24);
  A.setDevUp(ea, true); B.setDevUp(eb, true);
  let held: Uint8Array[] | null = null;
  // Deliver frames immediately but let the test reorder fragments.
  ea.transport = { describe: 't', send: (f) => { if (held) held.push(f.slice()); else eb.receiveFrame(f.slice()); } };
  eb.transport = { describe: 't', send: (f) => ea.receiveFrame(f.slice()) };
  const ua = new Udp(A), ub = new Udp(B);
  const rx = new DgramEndpoint(); ub.bind(rx, 0, 9999);
  const tx = new DgramEndpoint();
  const payload = new Uint8Array(5000).map((_, i) => i & 255);
  assert.equal(ua.send(tx, payload, ip('10.1.0.2')!, 9999), 5000); // ARP first, then 4 fragments
  assert.deepEqual(rx.dequeue()!.data, payload);
  assert.ok(A.stats.fragCreates >= 4);
  held = [];
  ua.send(tx, payload, ip('10.1.0.2')!, 9999);
  const frags = held; held = null;
  for (const f of [...frags].reverse()) eb.receiveFrame(f);
  assert.deepEqual(rx.dequeue()!.data, payload);
  held = [];
  ua.send(tx, payload, ip('10.1.0.2')!, 9999);
  const f2 = held; held = null;
  for (const f of [f2[1], f2[0], f2[1], f2[3], f2[2]]) eb.receiveFrame(f);
  assert.deepEqual(rx.dequeue()!.data, payload);
  assert.equal(rx.dequeue(), null);
  // A flood of lone first fragments: bounded queues, then timeouts clear them.
  for (let i = 0; i < 5000; i++) {
    const f = frags[0].slice();
    f[14 + 4] = i >> 8; f[14 + 5] = i & 255; // new IP id
    f[14 + 10] = 0; f[14 + 11] = 0; wr16(f, 14 + 10, checksum(f, 14, 20));
    eb.receiveFrame(f);
  }
  assert.ok(B.reassemblyQueues <= 64);
  clock.advance(31e9);
  assert.equal(B.reassemblyQueues, 0);
});

test('malformed frames are dropped and counted', () => {
  const clock = new ManualClock();
  const B = newStack(clock);
  const eb = B.addDevice('eth0', 1500, mac(2));
  B.addAddr(eb, ip('10.1.0.2')!, 24); B.setDevUp(eb, true);
  new Udp(B); new Tcp(B);
  const hdr = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0];
  const good = Uint8Array.from([...hdr, 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 1, 0, 1, 10, 1, 0, 2, 0, 1, 0, 2, 0, 8, 0, 0]);
  wr16(good, 24, checksum(good, 14, 20));
  const bad: Uint8Array[] = [
    new Uint8Array(5),                                    // truncated Ethernet
    good.subarray(0, 20),                                 // truncated IP
    (() => { const b = good.slice(); b[24] ^= 1; return b; })(), // bad checksum
    (() => { const b = good.slice(); b[16] = 0xff; b[17] = 0xff; return b; })(), // bogus length
    (() => { const b = good.slice(); b[14] = 0x4f; return b; })(), // IHL past the end
    Uint8Array.from([...hdr.slice(0, 12), 8, 6, 0, 1]),    // truncated ARP
  ];
  for (let i = 0; i < 2000; i++) {
    for (const b of bad) eb.receiveFrame(b);
    const r = new Uint8Array(14 + (i % 80)); r.set(hdr); for (let j = 14; j < r.length; j++) r[j] = (i * 31 + j * 17) & 255;
    eb.receiveFrame(r);
  }
  assert.ok(eb.malformed >= 2000 * 5);
  assert.ok(B.stats.inHdrErrors > 0);
});

test('ICMP echo via a router with ip_forward; TTL exceeded; forwarding off drops', () => {
  const clock = new ManualClock();
  const A = newStack(clock), R = newStack(clock), B = newStack(clock);
  const a0 = A.addDevice('eth0', 1500, mac(1)), r0 = R.addDevice('eth0', 1500, mac(2));
  const r1 = R.addDevice('eth1', 1500, mac(3)), b0 = B.addDevice('eth0', 1500, mac(4));
  A.addAddr(a0, ip('10.0.1.2')!, 24); R.addAddr(r0, ip('10.0.1.1')!, 24);
  R.addAddr(r1, ip('10.0.2.1')!, 24); B.addAddr(b0, ip('10.0.2.2')!, 24);
  for (const [s, d] of [[A, a0], [R, r0], [R, r1], [B, b0]] as const) s.setDevUp(d, true);
  wire(clock, a0, r0); wire(clock, r1, b0);
  A.addRoute({ dst: 0, prefix: 0, gateway: ip('10.0.1.1')!, dev: a0 });
  B.addRoute({ dst: 0, prefix: 0, gateway: ip('10.0.2.1')!, dev: b0 });
  const ping = new Ping(A);
  const ep = new DgramEndpoint();
  const echo = Uint8Array.from([8, 0, 0, 0, 0, 0, 0, 1, 0x61, 0x62]);
  assert.equal(ping.send(ep, echo, ip('10.0.2.2')!), echo.length);
  clock.advance(1e9);
  assert.equal(ep.dequeue(), null, 'no forwarding yet');
  R.ipForward = true;
  ping.send(ep, echo, ip('10.0.2.2')!);
  clock.advance(1e9);
  const r = ep.dequeue();
  assert.ok(r, 'echo reply through the router');
  assert.equal(r!.data[0], 0);
  assert.equal(r!.src, ip('10.0.2.2'));
  assert.equal(r!.ttl, 63);
  // TTL 1 expires at R: a raw ICMP socket sees the time-exceeded message.
  const raw = new RawEndpoint(A, IPPROTO_ICMP); raw.open();
  ep.ttl = 1; ep.recvErr = true;
  ping.send(ep, echo, ip('10.0.2.2')!);
  clock.advance(1e9);
  const te = raw.dequeue();
  assert.ok(te);
  const p = parseIp(te!.data, null)!;
  assert.equal(p.payload[0], 11);
  assert.equal(p.src, ip('10.0.1.1'));
  assert.equal(ep.takeError(), 113);
  // TCP end to end through the router.
  const ta = new Tcp(A), tb = new Tcp(B);
  const { c, a } = tcpPair(clock, A, tb, ta, ip('10.0.2.2')!, 1234);
  ta.send(c, new TextEncoder().encode('routed'));
  clock.advance(1e9);
  assert.equal(new TextDecoder().decode(readAll(tb, a)), 'routed');
  assert.ok(R.stats.forwDatagrams > 5);
});
