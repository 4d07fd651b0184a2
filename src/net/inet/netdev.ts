// Network devices: lo and Ethernet devices (ethN) with MTU, MAC, flags, addresses and
// counters. An Ethernet device hands frames to a LinkTransport (drivers/net/ implements
// them over host sockets); the transport gives received frames back through
// receiveFrame(). Malformed frames are counted and dropped, never thrown.

export const IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_DEBUG = 0x4, IFF_LOOPBACK = 0x8,
  IFF_POINTOPOINT = 0x10, IFF_NOTRAILERS = 0x20, IFF_RUNNING = 0x40, IFF_NOARP = 0x80,
  IFF_PROMISC = 0x100, IFF_ALLMULTI = 0x200, IFF_MULTICAST = 0x1000, IFF_LOWER_UP = 0x10000;

export const ETH_P_IP = 0x0800, ETH_P_ARP = 0x0806, ETH_P_IPV6 = 0x86dd;
export const ETH_HLEN = 14;
export const BROADCAST_MAC = new Uint8Array([255, 255, 255, 255, 255, 255]);

/** The host side of an Ethernet device. */
export interface LinkTransport {
  /** Send one Ethernet frame (destination MAC first). */
  send(frame: Uint8Array): void;
  close?(): void;
  /** Take in waiting frames now, without blocking (called between guest slices). */
  poll?(): void;
  /** A short description for logs (e.g. "slirp", "daemon /tmp/ctl"). */
  readonly describe: string;
}

export interface InAddr { addr: number; prefix: number; broadcast: number; label: string; }

export class DevStats {
  rxPackets = 0; rxBytes = 0; rxErrors = 0; rxDropped = 0; rxFifo = 0; rxFrame = 0; rxMulticast = 0;
  txPackets = 0; txBytes = 0; txErrors = 0; txDropped = 0; txFifo = 0; collisions = 0; txCarrier = 0;
}

/** What a device needs from the stack (implemented by NetStack). */
export interface DevOwner {
  /** An IPv4 datagram arrived on dev (Ethernet header already removed). */
  ipRx(dev: NetDevice, datagram: Uint8Array): void;
  ip6Rx?(dev: NetDevice, datagram: Uint8Array): void;
  arpRx(dev: NetDevice, pkt: Uint8Array): void;
  /** An IPv4 datagram is to be sent on dev to next hop `nh` (Ethernet devices resolve it). */
  devXmitIp(dev: NetDevice, datagram: Uint8Array, nh: number): void;
  devChanged?(dev: NetDevice): void;
  /** Packet sockets (net/packet.ts): a copy of every frame a device takes in or sends out. */
  tap?: ((dev: NetDevice, frame: Uint8Array, pkttype: number) => void) | null;
}

/** sll_pkttype values (linux/if_packet.h): where a frame was headed. */
export const PACKET_HOST = 0, PACKET_BROADCAST = 1, PACKET_MULTICAST = 2, PACKET_OTHERHOST = 3, PACKET_OUTGOING = 4;

export class NetDevice {
  flags: number;
  addrs: InAddr[] = [];
  readonly stats = new DevStats();
  transport: LinkTransport | null = null;
  txqueuelen: number;
  /** Packets that failed validation (the "dropped and counted"). */
  malformed = 0;

  constructor(
    readonly owner: DevOwner,
    readonly index: number,
    public name: string,
    readonly type: 'loopback' | 'ether',
    public mtu: number,
    public mac: Uint8Array,
  ) {
    this.flags = type === 'loopback' ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST;
    this.txqueuelen = type === 'loopback' ? 1000 : 1000;
  }

  get up(): boolean { return (this.flags & IFF_UP) !== 0; }
  get isLoopback(): boolean { return this.type === 'loopback'; }
  /** ARPHRD_* for netlink and SIOCGIFHWADDR. */
  get arphrd(): number { return this.type === 'loopback' ? 772 : 1; }

  setUp(up: boolean): void {
    if (up) this.flags |= IFF_UP | IFF_RUNNING | IFF_LOWER_UP;
    else this.flags &= ~(IFF_UP | IFF_RUNNING | IFF_LOWER_UP);
    this.owner.devChanged?.(this);
  }

  /** A frame from the transport. */
  receiveFrame(frame: Uint8Array): void {
    if (!this.up) { this.stats.rxDropped++; return; }
    if (frame.length < ETH_HLEN) { this.stats.rxErrors++; this.stats.rxFrame++; this.malformed++; return; }
    const d = frame;
    const bcast = d[0] === 255 && d[1] === 255 && d[2] === 255 && d[3] === 255 && d[4] === 255 && d[5] === 255;
    const mine = d[0] === this.mac[0] && d[1] === this.mac[1] && d[2] === this.mac[2] && d[3] === this.mac[3] && d[4] === this.mac[4] && d[5] === this.mac[5];
    const mcast = (d[0] & 1) !== 0;
    if (!bcast && !mine && !(this.flags & IFF_PROMISC) && !mcast) { this.stats.rxDropped++; return; }
    if (mcast && !bcast) this.stats.rxMulticast++;
    this.stats.rxPackets++;
    this.stats.rxBytes += frame.length;
    const tap = this.owner.tap;
    if (tap) tap(this, frame, bcast ? PACKET_BROADCAST : mcast ? PACKET_MULTICAST : mine ? PACKET_HOST : PACKET_OTHERHOST);
    const type = (d[12] << 8) | d[13];
    const payload = frame.subarray(ETH_HLEN);
    if (type === ETH_P_IP) this.owner.ipRx(this, payload);
    else if (type === ETH_P_ARP) this.owner.arpRx(this, payload);
    else if (type === ETH_P_IPV6 && this.owner.ip6Rx) this.owner.ip6Rx(this, payload);
    else this.stats.rxDropped++;
  }

  /** Send an Ethernet frame with the given payload. */
  xmitFrame(dstMac: Uint8Array, ethertype: number, payload: Uint8Array): void {
    if (!this.up || this.transport === null) { this.stats.txDropped++; return; }
    const f = new Uint8Array(ETH_HLEN + payload.length);
    f.set(dstMac, 0); f.set(this.mac, 6);
    f[12] = ethertype >>> 8; f[13] = ethertype & 255;
    f.set(payload, ETH_HLEN);
    this.sendFrame(f);
  }

  /** Send a finished frame (a packet socket's, or xmitFrame's) and show it to the taps. */
  sendFrame(f: Uint8Array): void {
    if (!this.up || this.transport === null) { this.stats.txDropped++; return; }
    this.stats.txPackets++;
    this.stats.txBytes += f.length;
    const tap = this.owner.tap;
    if (tap) tap(this, f, PACKET_OUTGOING);
    try { this.transport.send(f); } catch { this.stats.txErrors++; }
  }

  primaryAddr(): InAddr | null { return this.addrs[0] ?? null; }
}

/** A locally administered MAC for ethN when none is given (like UML's fe:fd:... default). */
export function defaultMac(n: number): Uint8Array {
  return new Uint8Array([0xfe, 0xfd, 0x00, 0x00, 0x00, (n + 1) & 255]);
}
