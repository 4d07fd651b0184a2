// AF_PACKET sockets (packet(7)): SOCK_RAW sees and sends whole Ethernet frames,
// SOCK_DGRAM the payload with the link header removed (added back on send from
// sockaddr_ll). Root only (CAP_NET_RAW), as on Linux. Frames come from the devices'
// tap (net/inet/netdev.ts): every frame a device receives or sends, lo included (with a
// zero-MAC header). SO_ATTACH_FILTER runs a classic BPF program (net/bpf.ts) over what
// the socket would receive; PACKET_AUXDATA adds struct tpacket_auxdata to recvmsg.
// This is what DHCP clients (busybox udhcpc), arping and tcpdump build on.
import {
  EINVAL, EPERM, ENOENT, ESOCKTNOSUPPORT, EAGAIN, ENODEV, ENXIO, ENETDOWN, EMSGSIZE, ENOPROTOOPT, EOPNOTSUPP, EAFNOSUPPORT,
} from '../abi/linux/errno.js';
import {
  AF_PACKET, SOCK_RAW, SOCK_DGRAM, SOL_SOCKET, MSG_PEEK, MSG_TRUNC, SO_RCVBUF, SO_RCVBUFFORCE,
  SOL_PACKET, SO_ATTACH_FILTER, SO_DETACH_FILTER, SO_LOCK_FILTER, SO_ERROR,
  PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP, PACKET_STATISTICS, PACKET_AUXDATA, PACKET_ORIGDEV,
  PACKET_VERSION, PACKET_HDRLEN, PACKET_IGNORE_OUTGOING, PACKET_MR_PROMISC, PACKET_MR_MULTICAST, PACKET_MR_ALLMULTI,
  ETH_P_ALL, TP_STATUS_USER, SOCKADDR_LL_SIZE,
} from '../abi/linux/socket.js';
import { BLOCK, Socket, SockCaller, SendMsg, RecvMsg, registerFamily, Cmsg } from './socket.js';
import { BpfProgram, BpfPacket } from './bpf.js';
import { inetOf } from './inet/sock.js';
import type { NetStack } from './inet/stack.js';
import { NetDevice, ETH_HLEN, PACKET_OUTGOING, IFF_PROMISC, IFF_NOARP } from './inet/netdev.js';

const POLLIN = 0x1, POLLOUT = 0x4, POLLRDNORM = 0x40, POLLWRNORM = 0x100;

interface Frame { data: Uint8Array; len: number; addr: Uint8Array; pkttype: number; netOff: number; }

/** The open packet sockets of one stack, fed by its devices' tap. */
class PacketTable {
  readonly socks = new Set<PacketSocket>();
  constructor(readonly stack: NetStack) {}
  add(s: PacketSocket): void {
    this.socks.add(s);
    this.stack.tap = (dev, frame, pkttype) => { for (const x of this.socks) x.deliver(dev, frame, pkttype); };
  }
  remove(s: PacketSocket): void {
    this.socks.delete(s);
    if (this.socks.size === 0) this.stack.tap = null;
  }
}
const tables = new WeakMap<NetStack, PacketTable>();
function tableOf(stack: NetStack): PacketTable {
  let t = tables.get(stack);
  if (!t) { t = new PacketTable(stack); tables.set(stack, t); }
  return t;
}

const swap16 = (v: number): number => ((v & 0xff) << 8) | ((v >>> 8) & 0xff);

/** struct sockaddr_ll: family, protocol (be16), ifindex, hatype, pkttype, halen, addr[8]. */
function sockaddrLl(proto: number, ifindex: number, hatype: number, pkttype: number, mac: Uint8Array | null): Uint8Array {
  const b = new Uint8Array(SOCKADDR_LL_SIZE), v = new DataView(b.buffer);
  v.setUint16(0, AF_PACKET, true);
  b[2] = proto >>> 8; b[3] = proto & 255;
  v.setInt32(4, ifindex, true);
  v.setUint16(8, hatype, true);
  b[10] = pkttype;
  if (mac) { b[11] = mac.length; b.set(mac, 12); }
  return b;
}

interface LlAddr { proto: number; ifindex: number; halen: number; addr: Uint8Array; }
function parseLl(a: Uint8Array): LlAddr | number {
  if (a.length < 12) return -EINVAL;
  const v = new DataView(a.buffer, a.byteOffset, a.byteLength);
  if (v.getUint16(0, true) !== AF_PACKET) return -EINVAL;
  const halen = a.length > 11 ? a[11] : 0;
  return { proto: (a[2] << 8) | a[3], ifindex: v.getInt32(4, true), halen, addr: a.subarray(12, Math.min(a.length, 12 + Math.min(halen, 8))) };
}

function int32(v: number): Uint8Array { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v | 0, true); return b; }

export class PacketSocket extends Socket {
  /** The ethertype received (host order; 0: none until bound with one; ETH_P_ALL: all). */
  proto: number;
  ifindex = 0;
  private readonly rxq: Frame[] = [];
  private rxBytes = 0;
  private filter: BpfProgram | null = null;
  private filterLocked = false;
  auxdata = false; origdev = false; ignoreOutgoing = false;
  private version = 0;
  /** PACKET_STATISTICS: delivered and dropped since the last read. */
  private statPackets = 0; private statDrops = 0;
  private promisc: NetDevice[] = [];
  private sending = false;
  private readonly table: PacketTable;
  private readonly bpfPkt: BpfPacket = { data: new Uint8Array(0), llOff: 0, netOff: 0, protocol: 0, pkttype: 0, ifindex: 0, hatype: 0 };

  constructor(readonly stack: NetStack, type: number, protocol: number) {
    super(AF_PACKET, type, protocol);
    this.proto = swap16(protocol);
    this.table = tableOf(stack);
    this.table.add(this);
  }

  /** A frame from the tap: match, filter, queue. */
  deliver(dev: NetDevice, frame: Uint8Array, pkttype: number): void {
    if (this.proto === 0 || (this.ifindex && this.ifindex !== dev.index)) return;
    const type = (frame[12] << 8) | frame[13];
    if (this.proto !== ETH_P_ALL && this.proto !== type) return;
    if (pkttype === PACKET_OUTGOING && (this.ignoreOutgoing || this.sending || this.proto !== ETH_P_ALL)) return;
    const dgram = this.type === SOCK_DGRAM;
    const data = dgram ? frame.subarray(ETH_HLEN) : frame;
    let keep = data.length;
    if (this.filter) {
      const p = this.bpfPkt;
      p.data = data; p.llOff = dgram ? -1 : 0; p.netOff = dgram ? 0 : ETH_HLEN;
      p.protocol = swap16(type); p.pkttype = pkttype; p.ifindex = dev.index; p.hatype = dev.arphrd;
      keep = Math.min(keep, this.filter.run(p));
      p.data = frame.subarray(0, 0);
      if (keep === 0) return;
    }
    if (this.rxBytes + keep > this.rcvBuf && this.rxq.length > 0) { this.statDrops++; return; }
    const src = frame.subarray(6, 12);
    this.rxq.push({
      data: data.slice(0, keep), len: data.length, pkttype, netOff: dgram ? 0 : ETH_HLEN,
      addr: sockaddrLl(type, dev.index, dev.arphrd, pkttype, dev.isLoopback ? new Uint8Array(6) : src),
    });
    this.rxBytes += keep;
    this.statPackets++;
    this.wq.wakeAll();
  }

  private devFor(ifindex: number): NetDevice | null { return this.stack.devByIndex(ifindex); }

  override bind(addr: Uint8Array): number {
    if (addr.length < SOCKADDR_LL_SIZE) return -EINVAL;
    const a = parseLl(addr);
    if (typeof a === 'number') return a;
    if (a.ifindex && !this.devFor(a.ifindex)) return -ENODEV;
    this.ifindex = a.ifindex;
    if (a.proto) this.proto = a.proto;
    return 0;
  }

  override connect(): number { return -EOPNOTSUPP; }

  override sendmsg(_c: SockCaller, msg: SendMsg): number {
    let ifindex = this.ifindex, proto = this.proto, dst: Uint8Array | null = null;
    if (msg.addr && msg.addr.length) {
      const a = parseLl(msg.addr);
      if (typeof a === 'number') return a;
      if (msg.addr.length < 12 + a.halen || a.halen > 8) return -EINVAL;
      ifindex = a.ifindex; proto = a.proto;
      if (a.halen >= 6) dst = a.addr.subarray(0, 6);
    }
    if (!ifindex) return -ENXIO;
    const dev = this.devFor(ifindex);
    if (!dev) return -ENXIO;
    if (!dev.up) return -ENETDOWN;
    let frame: Uint8Array;
    if (this.type === SOCK_RAW) {
      if (msg.data.length < ETH_HLEN) return -EINVAL;
      if (msg.data.length > dev.mtu + ETH_HLEN) return -EMSGSIZE;
      frame = msg.data.slice();
    } else {
      if (msg.data.length > dev.mtu) return -EMSGSIZE;
      // eth_header: lo (and NOARP devices) need no destination MAC; others do.
      if (!dst) { if (!dev.isLoopback && !(dev.flags & IFF_NOARP)) return -EINVAL; dst = new Uint8Array(6); }
      frame = new Uint8Array(ETH_HLEN + msg.data.length);
      frame.set(dst, 0); frame.set(dev.mac, 6);
      frame[12] = proto >>> 8; frame[13] = proto & 255;
      frame.set(msg.data, ETH_HLEN);
    }
    // Other ETH_P_ALL sockets see it go out (dev_queue_xmit_nit); this one does not.
    this.sending = true;
    try {
      if (dev.isLoopback) this.stack.loopbackFrame(frame);
      else this.stack.batch(() => dev.sendFrame(frame));
    } finally { this.sending = false; }
    return msg.data.length;
  }

  override recvmsg(c: SockCaller, size: number, flags: number, nonblock: boolean): RecvMsg | number {
    const f = this.rxq[0];
    if (!f) {
      if (nonblock) return -EAGAIN;
      c.blockOn(this.wq);
      return BLOCK;
    }
    if (!(flags & MSG_PEEK)) { this.rxq.shift(); this.rxBytes -= f.data.length; }
    const n = Math.min(size, f.data.length);
    const control: Cmsg[] = [];
    if (this.auxdata) {
      // struct tpacket_auxdata: status, len, snaplen, mac, net, vlan_tci, vlan_tpid.
      const b = new Uint8Array(20), v = new DataView(b.buffer);
      v.setUint32(0, TP_STATUS_USER, true); v.setUint32(4, f.len, true); v.setUint32(8, f.data.length, true);
      v.setUint16(12, 0, true); v.setUint16(14, f.netOff, true);
      control.push({ level: SOL_PACKET, type: PACKET_AUXDATA, data: b });
    }
    return {
      data: f.data.subarray(0, n), len: (flags & MSG_TRUNC) ? f.len : n, addr: f.addr, control,
      flags: f.data.length > size ? MSG_TRUNC : 0,
    };
  }

  override getsockname(): Uint8Array {
    const dev = this.ifindex ? this.devFor(this.ifindex) : null;
    const a = sockaddrLl(this.proto, this.ifindex, dev ? dev.arphrd : 0, 0, dev ? dev.mac : null);
    return a.subarray(0, 12 + (dev ? 6 : 0));
  }

  override poll(): number {
    return POLLOUT | POLLWRNORM | (this.rxq.length ? POLLIN | POLLRDNORM : 0);
  }
  override available(): number { return this.rxq.length ? this.rxq[0].data.length : 0; }

  override getsockopt(level: number, name: number, c: SockCaller): Uint8Array | number {
    if (level === SOL_PACKET) {
      switch (name) {
        case PACKET_AUXDATA: return int32(+this.auxdata);
        case PACKET_ORIGDEV: return int32(+this.origdev);
        case PACKET_VERSION: return int32(this.version);
        case PACKET_IGNORE_OUTGOING: return int32(+this.ignoreOutgoing);
        case PACKET_HDRLEN: return -EINVAL;
        case PACKET_STATISTICS: {
          // struct tpacket_stats: tp_packets counts the dropped ones too; reading resets.
          const b = new Uint8Array(8), v = new DataView(b.buffer);
          v.setUint32(0, this.statPackets + this.statDrops, true); v.setUint32(4, this.statDrops, true);
          this.statPackets = 0; this.statDrops = 0;
          return b;
        }
        default: return -ENOPROTOOPT;
      }
    }
    if (level === SOL_SOCKET && name === SO_ATTACH_FILTER) {
      // SO_GET_FILTER: the instruction count (the syscall layer copies no program back).
      return int32(this.filter ? this.filter.length : 0);
    }
    if (level === SOL_SOCKET && name === SO_LOCK_FILTER) return int32(+this.filterLocked);
    if (level === SOL_SOCKET && name === SO_ERROR) return int32(this.takeError());
    return super.getsockopt(level, name, c);
  }

  override setsockopt(level: number, name: number, val: Uint8Array, c: SockCaller): number {
    const v = val.length >= 4 ? new DataView(val.buffer, val.byteOffset, 4).getInt32(0, true) : null;
    if (level === SOL_PACKET) {
      switch (name) {
        case PACKET_AUXDATA: if (v === null) return -EINVAL; this.auxdata = v !== 0; return 0;
        case PACKET_ORIGDEV: if (v === null) return -EINVAL; this.origdev = v !== 0; return 0;
        case PACKET_IGNORE_OUTGOING: if (v === null) return -EINVAL; this.ignoreOutgoing = v !== 0; return 0;
        case PACKET_VERSION:
          // Only TPACKET_V1 framing exists here (no mmap rings), so V2/V3 are refused.
          if (v === null) return -EINVAL;
          return v === 0 ? 0 : -EINVAL;
        case PACKET_ADD_MEMBERSHIP: case PACKET_DROP_MEMBERSHIP: {
          // struct packet_mreq: ifindex, type (u16), alen (u16), address[8].
          if (val.length < 16) return -EINVAL;
          const dv = new DataView(val.buffer, val.byteOffset, val.byteLength);
          const dev = this.devFor(dv.getInt32(0, true));
          if (!dev) return -ENODEV;
          const type = dv.getUint16(4, true);
          if (type === PACKET_MR_PROMISC) {
            if (name === PACKET_ADD_MEMBERSHIP) { dev.flags |= IFF_PROMISC; this.promisc.push(dev); }
            else this.dropPromisc(dev);
            return 0;
          }
          if (type === PACKET_MR_MULTICAST || type === PACKET_MR_ALLMULTI) return 0;
          return -EINVAL;
        }
        default: return -ENOPROTOOPT;
      }
    }
    if (level === SOL_SOCKET) {
      switch (name) {
        case SO_ATTACH_FILTER: {
          // The syscall layer replaced struct sock_fprog by the instructions it points to.
          if (this.filterLocked) return -EPERM;
          const p = BpfProgram.load(val);
          if (!p) return -EINVAL;
          this.filter = p;
          return 0;
        }
        case SO_DETACH_FILTER:
          if (this.filterLocked) return -EPERM;
          if (!this.filter) return -ENOENT;
          this.filter = null;
          return 0;
        case SO_LOCK_FILTER:
          if (v === null) return -EINVAL;
          if (this.filterLocked && v === 0) return -EPERM;
          this.filterLocked = v !== 0;
          return 0;
      }
    }
    const r = super.setsockopt(level, name, val, c);
    void SO_RCVBUF; void SO_RCVBUFFORCE;
    return r;
  }

  private dropPromisc(dev: NetDevice): void {
    const i = this.promisc.indexOf(dev);
    if (i < 0) return;
    this.promisc.splice(i, 1);
    if (!this.promisc.includes(dev)) dev.flags &= ~IFF_PROMISC;
  }

  override release(): void {
    for (const d of [...this.promisc]) this.dropPromisc(d);
    this.table.remove(this);
    this.rxq.length = 0;
  }
}


registerFamily(AF_PACKET, {
  create(type, protocol, c) {
    if (c.cred.euid !== 0) return -EPERM;
    // SOCK_PACKET (the obsolete Linux 2.0 interface) is not provided.
    if (type !== SOCK_RAW && type !== SOCK_DGRAM) return -ESOCKTNOSUPPORT;
    const inet = inetOf(c);
    if (!inet) return -EAFNOSUPPORT;
    return new PacketSocket(inet.stack, type, protocol & 0xffff);
  },
});
