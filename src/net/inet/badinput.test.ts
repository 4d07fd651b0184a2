// Bad input from a transport, fed in through the device layer (NetDevice.receiveFrame):
// truncated Ethernet/IPv4/TCP/UDP/ICMP headers, bad checksums, bogus length fields,
// martian addresses, fragments that never complete and oversize reassembly, and IPv6
// datagrams injected on lo. Each is
// dropped and counted under the MIB name Linux uses (/proc/net/snmp, /proc/net/dev),
// nothing throws, and good traffic still flows afterwards. A seeded mutation fuzzer
// then throws 30000 damaged frames at the stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, mac, newStack } from './testlib.js';
import { Tcp, TcpSock } from './tcp.js';
import { Udp, DgramEndpoint } from './udp.js';
import { checksum, csumFold, csumPartial, pseudoSum, parseIp as ip, wr16, wr32 } from './util.js';
import { Ip6 } from '../inet6/ip6.js';
import { addr6Bytes, LOOPBACK6 } from '../inet6/addr.js';

const A = ip('10.1.0.1')!, B = ip('10.1.0.2')!;
const ETH = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0];

/** An Ethernet frame carrying an IPv4 datagram from A to B (checksums filled in). */
function frame(proto: number, l4: number[], o: { id?: number; frag?: number; ipLen?: number } = {}): Uint8Array {
  const f = new Uint8Array(14 + 20 + l4.length);
  f.set(ETH);
  const d = f.subarray(14);
  d[0] = 0x45; wr16(d, 2, o.ipLen ?? 20 + l4.length); wr16(d, 4, o.id ?? 1); wr16(d, 6, o.frag ?? 0);
  d[8] = 64; d[9] = proto; wr32(d, 12, A); wr32(d, 16, B);
  wr16(d, 10, checksum(d, 0, 20));
  d.set(l4, 20);
  return f;
}
function l4sum(f: Uint8Array, proto: number, at: number): Uint8Array {
  const t = f.subarray(34);
  wr16(t, at, 0);
  wr16(t, at, proto === 1 ? checksum(t) : csumFold(csumPartial(t, 0, t.length, pseudoSum(A, B, proto, t.length))));
  return f;
}
const udpSeg = (dport: number, data: number[]): number[] => [0x30, 0x39, dport >> 8, dport & 255, 0, 8 + data.length, 0, 0, ...data];
const tcpSyn = (dport: number): number[] => [0x30, 0x39, dport >> 8, dport & 255, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0];

function setup() {
  const clock = new ManualClock();
  const s = newStack(clock);
  const dev = s.addDevice('eth0', 1500, mac(2));
  s.addAddr(dev, B, 24); s.setDevUp(dev, true);
  s.arpAdd(dev, A, mac(1));
  dev.transport = { describe: 'test', send: () => {} };
  const udp = new Udp(s), tcp = new Tcp(s);
  const raised: string[] = [];
  s.log = (m) => { if (m.includes('raised')) raised.push(m); };
  const ep = new DgramEndpoint();
  assert.equal(udp.bind(ep, 0, 7000), 0);
  const l = new TcpSock();
  assert.equal(tcp.bind(l, 0, 8000), 0); assert.equal(tcp.listen(l, 8), 0);
  return { clock, s, dev, udp, tcp, ep, l, raised };
}

test('malformed headers, checksums and lengths are dropped under Linux MIB counters', () => {
  const { s, dev, udp, tcp, ep, l, raised } = setup();
  const good = l4sum(frame(17, udpSeg(7000, [1, 2, 3])), 17, 6);
  dev.receiveFrame(good);
  assert.deepEqual([...ep.dequeue()!.data], [1, 2, 3]);

  // Link layer: shorter than an Ethernet header (rx_errors, rx_frame_errors in /proc/net/dev).
  dev.receiveFrame(new Uint8Array(5));
  assert.equal(dev.stats.rxErrors, 1); assert.equal(dev.stats.rxFrame, 1);

  // IPv4: truncated header, bad header checksum, total length past the frame, IHL past
  // the end, IHL < 5, wrong version, the reserved flag: Ip InHdrErrors each.
  const hdrBad = [
    good.subarray(0, 14 + 12),
    (() => { const b = good.slice(); b[14 + 10] ^= 1; return b; })(),
    (() => { const b = good.slice(); wr16(b, 14 + 2, 200); wr16(b, 14 + 10, 0); wr16(b, 24, checksum(b, 14, 20)); return b; })(),
    (() => { const b = good.slice(); b[14] = 0x4f; return b; })(),
    (() => { const b = good.slice(); b[14] = 0x44; return b; })(),
    (() => { const b = good.slice(); b[14] = 0x55; wr16(b, 24, 0); wr16(b, 24, checksum(b, 14, 20)); return b; })(),
    (() => { const b = good.slice(); b[14 + 6] |= 0x80; wr16(b, 24, 0); wr16(b, 24, checksum(b, 14, 20)); return b; })(),
  ];
  for (const b of hdrBad) dev.receiveFrame(b);
  assert.equal(s.stats.inHdrErrors, hdrBad.length);

  // UDP: header cut short, length field bigger than the datagram, length < 8, bad checksum.
  dev.receiveFrame(frame(17, [0x30, 0x39, 0x1b]));
  dev.receiveFrame(l4sum(frame(17, [0x30, 0x39, 0x1b, 0x58, 0, 99, 0, 0, 1]), 17, 6));
  dev.receiveFrame(frame(17, [0x30, 0x39, 0x1b, 0x58, 0, 4, 0, 0]));
  const badUdp = good.slice(); badUdp[14 + 20 + 8] ^= 0x40;
  dev.receiveFrame(badUdp);
  assert.equal(udp.inErrors, 4); assert.equal(udp.inCsumErrors, 1);
  assert.equal(ep.dequeue(), null);

  // TCP: truncated header, data offset past the segment, data offset < 5, bad checksum.
  dev.receiveFrame(frame(6, tcpSyn(8000).slice(0, 12)));
  dev.receiveFrame(l4sum(frame(6, tcpSyn(8000).map((x, i) => (i === 12 ? 0xf0 : x))), 6, 16));
  dev.receiveFrame(l4sum(frame(6, tcpSyn(8000).map((x, i) => (i === 12 ? 0x20 : x))), 6, 16));
  dev.receiveFrame(frame(6, tcpSyn(8000).map((x, i) => (i === 16 ? 0x12 : x))));
  assert.equal(tcp.stats.inErrs, 4); assert.equal(tcp.stats.inCsumErrors, 1);
  assert.equal(l.synQ.size, 0);

  // ICMP: shorter than its header, bad checksum; an error quoting a truncated datagram.
  dev.receiveFrame(frame(1, [8, 0, 0]));
  dev.receiveFrame(frame(1, [8, 0, 0x12, 0x34, 0, 1, 0, 1]));
  dev.receiveFrame(l4sum(frame(1, [3, 3, 0, 0, 0, 0, 0, 0, 0x45, 0]), 1, 2));
  assert.equal(s.stats.icmpInErrors, 3); assert.equal(s.stats.icmpInCsumErrors, 1);

  // Martians: a loopback source from the wire.
  const mart = good.slice(); mart[14 + 12] = 127; wr16(mart, 24, 0); wr16(mart, 24, checksum(mart, 14, 20));
  dev.receiveFrame(mart);
  assert.equal(s.stats.inAddrErrors, 1);

  // Truncated ARP (rx_errors) and an unknown ethertype (rx_dropped).
  const errs = dev.stats.rxErrors, drops = dev.stats.rxDropped;
  dev.receiveFrame(Uint8Array.from([...ETH.slice(0, 12), 8, 6, 0, 1]));
  dev.receiveFrame(Uint8Array.from([...ETH.slice(0, 12), 0x88, 0xb5, 1, 2, 3]));
  assert.equal(dev.stats.rxErrors, errs + 1); assert.equal(dev.stats.rxDropped, drops + 1);

  // Good traffic still flows: a datagram and a handshake.
  dev.receiveFrame(good);
  assert.deepEqual([...ep.dequeue()!.data], [1, 2, 3]);
  dev.receiveFrame(l4sum(frame(6, tcpSyn(8000)), 6, 16));
  assert.equal(l.synQ.size, 1);
  assert.deepEqual(raised, []);
});

test('fragments: a flood that never completes is bounded and times out; oversize reassembly fails', () => {
  const { clock, s, dev, ep, raised } = setup();
  // 10000 first fragments with distinct ids, none ever completed.
  for (let i = 0; i < 10000; i++) dev.receiveFrame(frame(17, udpSeg(7000, [0, 0, 0, 0, 0, 0, 0, 0]), { id: i, frag: 0x2000 }));
  assert.ok(s.reassemblyQueues <= 64, `${s.reassemblyQueues} queues`);
  clock.advance(31e9);
  assert.equal(s.reassemblyQueues, 0);
  assert.ok(s.stats.reasmTimeout > 0 && s.stats.reasmTimeout <= 64);
  // A fragment whose end lies past 65535 bytes, and one that is not a multiple of 8 while
  // more follow: ReasmFails.
  const fails = s.stats.reasmFails;
  dev.receiveFrame(frame(17, new Array(16).fill(0), { id: 77777 & 0xffff, frag: 0x2000 | 8190 }));
  dev.receiveFrame(frame(17, new Array(13).fill(0), { id: 4242, frag: 0x2000 }));
  assert.equal(s.stats.reasmFails, fails + 2);
  assert.equal(ep.dequeue(), null);
  // A last fragment that contradicts the total already known.
  dev.receiveFrame(frame(17, new Array(16).fill(0), { id: 5000, frag: 2 }));
  dev.receiveFrame(frame(17, new Array(8).fill(0), { id: 5000, frag: 4 }));
  assert.equal(s.stats.reasmFails, fails + 3);
  assert.deepEqual(raised, []);
});

test('a seeded fuzzer: 30000 mutated frames never throw and leave the stack working', () => {
  const { s, dev, ep, l, raised } = setup();
  const seeds = [
    l4sum(frame(17, udpSeg(7000, [1, 2, 3, 4])), 17, 6),
    l4sum(frame(6, tcpSyn(8000)), 6, 16),
    l4sum(frame(1, [8, 0, 0, 0, 0, 1, 0, 1, 9, 9]), 1, 2),
    l4sum(frame(1, [3, 3, 0, 0, 0, 0, 0, 0, ...frame(17, udpSeg(53, [1])).subarray(14)]), 1, 2),
    Uint8Array.from([...ETH.slice(0, 12), 8, 6, 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 1, 0, 1, 0, 0, 0, 0, 0, 0, 10, 1, 0, 2]),
  ];
  let x = 0x2545f491;
  const rnd = (n: number): number => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return ((x >>> 0) % n); };
  for (let i = 0; i < 30000; i++) {
    const base = seeds[rnd(seeds.length)];
    let f = base.slice();
    const flips = 1 + rnd(4);
    for (let j = 0; j < flips; j++) f[14 + rnd(f.length - 14)] = rnd(256);
    if (rnd(4) === 0) f = f.subarray(0, 14 + rnd(f.length - 14));
    if (rnd(8) === 0 && f.length >= 34) { wr16(f, 24, 0); wr16(f, 24, checksum(f, 14, 20)); } // a valid IP header over junk
    dev.receiveFrame(f);
  }
  assert.deepEqual(raised, []);
  assert.ok(s.stats.inHdrErrors > 1000);
  while (ep.dequeue()) { /* whatever the fuzzer got through */ }
  dev.receiveFrame(seeds[0]);
  assert.deepEqual([...ep.dequeue()!.data], [1, 2, 3, 4]);
  void l;
});

test('IPv6 on lo: short, truncated, mis-addressed, unknown and mis-summed datagrams are counted (snmp6 names)', () => {
  const { s, dev, udp, raised } = setup();
  const ip6 = new Ip6(s);
  const ep = new DgramEndpoint(); ep.v6 = true;
  assert.equal(udp.bind(ep, LOOPBACK6, 7006), 0);
  /** An IPv6 frame on lo from ::1 to ::1 carrying `l4` (next header nh). */
  const v6 = (nh: number, l4: number[], o: { plen?: number; src?: Uint8Array; dst?: Uint8Array } = {}): Uint8Array => {
    const f = new Uint8Array(14 + 40 + l4.length);
    f[12] = 0x86; f[13] = 0xdd;
    const d = f.subarray(14);
    d[0] = 0x60; wr16(d, 4, o.plen ?? l4.length); d[6] = nh; d[7] = 64;
    d.set(o.src ?? addr6Bytes(LOOPBACK6), 8); d.set(o.dst ?? addr6Bytes(LOOPBACK6), 24);
    d.set(l4, 40);
    return f;
  };
  const udp6 = (data: number[]): Uint8Array => {
    const f = v6(17, udpSeg(7006, data));
    const t = f.subarray(54);
    wr16(t, 6, csumFold(csumPartial(t, 0, t.length, pseudoSum(LOOPBACK6, LOOPBACK6, 17, t.length))));
    return f;
  };
  s.loopbackFrame(udp6([5, 6]));
  assert.deepEqual([...ep.dequeue()!.data], [5, 6]);
  s.loopbackFrame(udp6([5, 6]).subarray(0, 14 + 30));                 // shorter than the header
  s.loopbackFrame(v6(17, udpSeg(7006, [1]), { plen: 200 }));            // payload length past the end
  s.loopbackFrame(v6(17, udpSeg(7006, [1]), { src: addr6Bytes(0x7f000001) })); // a mapped source
  const other = new Uint8Array(16); other[0] = 0x20; other[1] = 0x01; other[15] = 9;
  s.loopbackFrame(v6(17, udpSeg(7006, [1]), { dst: other }));           // not for us
  s.loopbackFrame(v6(0, [17, 0, 1, 4, 0, 0, 0, 0]));                    // a hop-by-hop header (not parsed)
  const bad = udp6([7]); bad[bad.length - 1] ^= 1;
  s.loopbackFrame(bad);
  const st = ip6.stats;
  assert.equal(st.Ip6InHdrErrors, 1); assert.equal(st.Ip6InTruncatedPkts, 1); assert.equal(st.Ip6InAddrErrors, 2);
  assert.equal(st.Ip6InUnknownProtos, 1); assert.equal(udp.inCsumErrors, 1);
  // IPv6 from an Ethernet device: only lo speaks IPv6 (Ip6InDiscards).
  const eth = new Uint8Array(udp6([1]));
  eth.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], 0);
  dev.receiveFrame(eth);
  assert.equal(st.Ip6InDiscards, 1);
  assert.equal(ep.dequeue(), null);
  assert.deepEqual(raised, []);
});
