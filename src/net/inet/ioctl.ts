// The interface and routing ioctls of inet sockets, as busybox ifconfig, route and arp
// use them: SIOCGIFCONF, SIOCG/SIFFLAGS, SIOCG/SIFADDR, netmask, broadcast, MTU, hwaddr,
// index, txqueuelen, SIOCADDRT/SIOCDELRT and SIOC[GSD]ARP. struct ifreq is 40 bytes:
// the name (16) and a union at offset 16.
import { copyIn, copyOut, readBytes, readCString, readI32, readI64, readU16, writeU32 } from '../../mm/usercopy.js';
import type { AddressSpace } from '../../mm/aspace.js';
import { NetStack, RTF_GATEWAY, RTF_HOST, RTF_UP } from './stack.js';
import type { NetDevice } from './netdev.js';
import { IFF_UP, IFF_RUNNING, IFF_LOWER_UP } from './netdev.js';
import { prefixToMask, maskToPrefix } from './util.js';

export const SIOCADDRT = 0x890b, SIOCDELRT = 0x890c, SIOCGIFNAME = 0x8910, SIOCGIFCONF = 0x8912,
  SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCGIFADDR = 0x8915, SIOCSIFADDR = 0x8916,
  SIOCGIFDSTADDR = 0x8917, SIOCSIFDSTADDR = 0x8918, SIOCGIFBRDADDR = 0x8919, SIOCSIFBRDADDR = 0x891a,
  SIOCGIFNETMASK = 0x891b, SIOCSIFNETMASK = 0x891c, SIOCGIFMETRIC = 0x891d, SIOCSIFMETRIC = 0x891e,
  SIOCGIFMTU = 0x8921, SIOCSIFMTU = 0x8922, SIOCSIFNAME = 0x8923, SIOCSIFHWADDR = 0x8924, SIOCGIFHWADDR = 0x8927,
  SIOCGIFINDEX = 0x8933, SIOCGIFCOUNT = 0x8938, SIOCGIFTXQLEN = 0x8942, SIOCSIFTXQLEN = 0x8943,
  SIOCETHTOOL = 0x8946, SIOCGMIIPHY = 0x8947, SIOCDARP = 0x8953, SIOCGARP = 0x8954, SIOCSARP = 0x8955,
  SIOCGIFMAP = 0x8970, SIOCSIFMAP = 0x8971;

/** Every ioctl this file answers (for the syscall table's notes). */
export const INET_IOCTLS = [SIOCADDRT, SIOCDELRT, SIOCGIFNAME, SIOCGIFCONF, SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCGIFADDR,
  SIOCSIFADDR, SIOCGIFDSTADDR, SIOCGIFBRDADDR, SIOCSIFBRDADDR, SIOCGIFNETMASK, SIOCSIFNETMASK, SIOCGIFMETRIC,
  SIOCSIFMETRIC, SIOCGIFMTU, SIOCSIFMTU, SIOCSIFNAME, SIOCSIFHWADDR, SIOCGIFHWADDR, SIOCGIFINDEX, SIOCGIFTXQLEN,
  SIOCSIFTXQLEN, SIOCDARP, SIOCGARP, SIOCSARP, SIOCGIFMAP, SIOCSIFMAP];

const EPERM = 1, ENODEV = 19, EINVAL = 22, EFAULT = 14, EADDRNOTAVAIL = 99, ENOTTY = 25, EOPNOTSUPP = 95,
  EEXIST = 17, ESRCH = 3, ENETUNREACH = 101, ENXIO = 6, EBUSY = 16;
const IFREQ = 40, IFNAMSIZ = 16;

interface Caller { cred: { euid: number } }

function sin(addr: number): Uint8Array {
  const b = new Uint8Array(16);
  b[0] = 2; b[4] = addr >>> 24; b[5] = (addr >>> 16) & 255; b[6] = (addr >>> 8) & 255; b[7] = addr & 255;
  return b;
}
function sinAddr(b: Uint8Array, off: number): number {
  return ((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) >>> 0;
}

function ifName(mm: AddressSpace, arg: number): string {
  const b = readBytes(mm, arg, IFNAMSIZ);
  let n = b.indexOf(0); if (n < 0) n = IFNAMSIZ;
  return new TextDecoder().decode(b.subarray(0, n));
}

/** Classful default prefix (inet_abc_len) for SIOCSIFADDR. */
function abcLen(a: number): number {
  if (a === 0) return 0;
  const top = a >>> 24;
  if (top < 128) return 8;
  if (top < 192) return 16;
  if (top < 224) return 24;
  return 32;
}

function setPrimary(stack: NetStack, dev: NetDevice, addr: number, prefix: number, bcast?: number): void {
  const old = dev.addrs[0];
  if (old) stack.delAddr(dev, old.addr, old.prefix);
  if (addr === 0) return;
  const r = stack.addAddr(dev, addr, prefix, bcast);
  // Keep it primary.
  if (typeof r !== 'number') { const i = dev.addrs.indexOf(r); dev.addrs.splice(i, 1); dev.addrs.unshift(r); }
}

export function inetIoctl(stack: NetStack, cmd: number, arg: number, mm: AddressSpace, c: Caller): number {
  const root = c.cred.euid === 0;
  switch (cmd) {
    case SIOCGIFCONF: {
      // struct ifconf { int ifc_len; char *ifc_buf; } (pointer at offset 8)
      const len = readI32(mm, arg);
      const buf = readI64(mm, arg + 8);
      const devs = stack.devices.filter((d) => d.addrs.length > 0);
      if (buf === 0) { writeU32(mm, arg, devs.length * IFREQ); return 0; }
      let used = 0;
      for (const d of devs) {
        if (used + IFREQ > len) break;
        const r = new Uint8Array(IFREQ);
        r.set(new TextEncoder().encode(d.name).subarray(0, 15));
        r.set(sin(d.addrs[0].addr), 16);
        copyOut(mm, buf + used, r);
        used += IFREQ;
      }
      writeU32(mm, arg, used);
      return 0;
    }
    case SIOCGIFCOUNT: return stack.devices.length;
    case SIOCGIFNAME: {
      const idx = readI32(mm, arg + 16);
      const d = stack.devByIndex(idx);
      if (!d) return -ENODEV;
      const n = new Uint8Array(IFNAMSIZ); n.set(new TextEncoder().encode(d.name).subarray(0, 15));
      copyOut(mm, arg, n);
      return 0;
    }
    case SIOCADDRT: case SIOCDELRT: return routeIoctl(stack, cmd, arg, mm, root);
    case SIOCSARP: case SIOCDARP: case SIOCGARP: return arpIoctl(stack, cmd, arg, mm, root);
    case SIOCETHTOOL: case SIOCGMIIPHY: return -EOPNOTSUPP;
  }
  if (cmd < 0x8900 || cmd > 0x89ff) return -ENOTTY;
  const name = ifName(mm, arg);
  const dev = stack.devByName(name);
  if (!dev) return -ENODEV;
  const setter = [SIOCSIFFLAGS, SIOCSIFADDR, SIOCSIFBRDADDR, SIOCSIFNETMASK, SIOCSIFMETRIC, SIOCSIFMTU, SIOCSIFNAME,
    SIOCSIFHWADDR, SIOCSIFTXQLEN, SIOCSIFMAP, SIOCSIFDSTADDR].includes(cmd);
  if (setter && !root) return -EPERM;
  const u = new Uint8Array(24);
  const put = (): number => { copyOut(mm, arg + 16, u); return 0; };
  const dv = new DataView(u.buffer);
  const a0 = dev.addrs[0];
  switch (cmd) {
    case SIOCGIFFLAGS: dv.setUint16(0, dev.flags & 0xffff, true); return put();
    case SIOCSIFFLAGS: {
      const f = readU16(mm, arg + 16);
      const keep = ~(0xffff) | IFF_RUNNING;
      const want = (f & 0xffff & ~IFF_RUNNING);
      const up = (want & IFF_UP) !== 0;
      dev.flags = (dev.flags & keep) | want;
      stack.setDevUp(dev, !up); // force a change notification
      stack.setDevUp(dev, up);
      if (up) dev.flags |= IFF_RUNNING | IFF_LOWER_UP;
      return 0;
    }
    case SIOCGIFADDR: if (!a0) return -EADDRNOTAVAIL; u.set(sin(a0.addr)); return put();
    case SIOCGIFDSTADDR: if (!a0) return -EADDRNOTAVAIL; u.set(sin(a0.addr)); return put();
    case SIOCGIFBRDADDR: if (!a0) return -EADDRNOTAVAIL; u.set(sin(a0.broadcast)); return put();
    case SIOCGIFNETMASK: if (!a0) return -EADDRNOTAVAIL; u.set(sin(prefixToMask(a0.prefix))); return put();
    case SIOCSIFADDR: {
      const b = readBytes(mm, arg + 16, 16);
      if ((b[0] | (b[1] << 8)) !== 2) return -EINVAL;
      const addr = sinAddr(b, 0);
      if (a0 && a0.addr === addr) return 0;
      const prefix = dev.isLoopback ? 8 : abcLen(addr);
      setPrimary(stack, dev, addr, prefix);
      return 0;
    }
    case SIOCSIFNETMASK: {
      if (!a0) return -EADDRNOTAVAIL;
      const m = sinAddr(readBytes(mm, arg + 16, 16), 0);
      const p = maskToPrefix(m);
      if (prefixToMask(p) !== m) return -EINVAL;
      setPrimary(stack, dev, a0.addr, p);
      return 0;
    }
    case SIOCSIFBRDADDR: {
      if (!a0) return -EADDRNOTAVAIL;
      a0.broadcast = sinAddr(readBytes(mm, arg + 16, 16), 0);
      stack.onChange?.('addr', dev);
      return 0;
    }
    case SIOCSIFDSTADDR: return 0;
    case SIOCGIFMETRIC: dv.setInt32(0, 0, true); return put();
    case SIOCSIFMETRIC: return -EOPNOTSUPP;
    case SIOCGIFMTU: dv.setInt32(0, dev.mtu, true); return put();
    case SIOCSIFMTU: {
      const m = readI32(mm, arg + 16);
      if (m < 68 || m > (dev.isLoopback ? 65536 : 65535)) return -EINVAL;
      dev.mtu = m; stack.onChange?.('link', dev);
      return 0;
    }
    case SIOCGIFHWADDR: dv.setUint16(0, dev.arphrd, true); u.set(dev.mac, 2); return put();
    case SIOCSIFHWADDR: {
      if (dev.isLoopback) return -EOPNOTSUPP;
      if (dev.up) return -EBUSY;
      const b = readBytes(mm, arg + 16, 8);
      if ((b[2] & 1) !== 0) return -EADDRNOTAVAIL;
      dev.mac = b.slice(2, 8); stack.onChange?.('link', dev);
      return 0;
    }
    case SIOCGIFINDEX: dv.setInt32(0, dev.index, true); return put();
    case SIOCGIFTXQLEN: dv.setInt32(0, dev.txqueuelen, true); return put();
    case SIOCSIFTXQLEN: { const q = readI32(mm, arg + 16); if (q < 0) return -EINVAL; dev.txqueuelen = q; return 0; }
    case SIOCGIFMAP: return put();
    case SIOCSIFMAP: return 0;
    case SIOCSIFNAME: {
      if (dev.up) return -EBUSY;
      const nn = readCString(mm, arg + 16, IFNAMSIZ);
      if (!nn) return -EINVAL;
      if (stack.devByName(nn)) return -EEXIST;
      dev.name = nn; stack.onChange?.('link', dev);
      return 0;
    }
  }
  return -ENOTTY;
}

/* struct rtentry (64-bit): pad1(8) dst(16)@8 gateway(16)@24 genmask(16)@40 flags(u16)@56
   pad2@58 pad3@64 pad4@72 metric(i16)@80 dev(char*)@88 mtu@96 window@104 irtt@112; 120 bytes */
function routeIoctl(stack: NetStack, cmd: number, arg: number, mm: AddressSpace, root: boolean): number {
  if (!root) return -EPERM;
  const b = new Uint8Array(120);
  copyIn(mm, arg, b, 0, 120);
  const v = new DataView(b.buffer);
  const dst = sinAddr(b, 8), gw = sinAddr(b, 24), mask = sinAddr(b, 40);
  const flags = v.getUint16(56, true);
  const metricRaw = v.getInt16(80, true);
  const metric = metricRaw > 0 ? metricRaw - 1 : 0;
  const devp = Number(v.getBigUint64(88, true));
  let dev: NetDevice | null = null;
  if (devp) {
    const n = readCString(mm, devp, IFNAMSIZ);
    if (n === null) return -EFAULT;
    dev = stack.devByName(n);
    if (!dev) return -ENODEV;
  }
  const prefix = (flags & RTF_HOST) ? 32 : maskToPrefix(mask);
  if (!(flags & RTF_HOST) && prefixToMask(prefix) !== mask) return -EINVAL;
  const net = (dst & prefixToMask(prefix)) >>> 0;
  if (cmd === SIOCDELRT) {
    const ok = stack.delRoute((r) => r.dst === net && r.prefix === prefix && (!dev || r.dev === dev) &&
      (!(flags & RTF_GATEWAY) || r.gateway === gw) && (!metricRaw || r.metric === metric));
    return ok ? 0 : -ESRCH;
  }
  if (flags & RTF_GATEWAY) {
    if (!dev) {
      const rt = stack.lookup(gw);
      if (!rt || rt.route === null && !rt.dev.up) return -ENETUNREACH;
      dev = rt.dev;
    }
    if (dev.isLoopback) return -ENETUNREACH;
  }
  if (!dev) {
    // A route without a device goes where its destination is already reachable.
    for (const d of stack.devices) for (const a of d.addrs) if (((a.addr ^ dst) & prefixToMask(a.prefix)) === 0 && !d.isLoopback) dev = d;
    if (!dev) return -ENODEV;
  }
  const r = stack.addRoute({ dst: net, prefix, gateway: (flags & RTF_GATEWAY) ? gw : 0, dev, metric, proto: 3 /* boot */ });
  if (typeof r === 'number') return r;
  void RTF_UP;
  return 0;
}

/* struct arpreq: arp_pa(16) arp_ha(16) arp_flags(i32)@32 arp_netmask(16)@36 arp_dev[16]@52; 68 bytes */
function arpIoctl(stack: NetStack, cmd: number, arg: number, mm: AddressSpace, root: boolean): number {
  if (cmd !== SIOCGARP && !root) return -EPERM;
  const b = new Uint8Array(68);
  copyIn(mm, arg, b, 0, 68);
  const ip = sinAddr(b, 0);
  let n = b.subarray(52, 68).indexOf(0); if (n < 0) n = 16;
  const name = new TextDecoder().decode(b.subarray(52, 52 + n));
  const dev = name ? stack.devByName(name) : stack.lookup(ip)?.dev ?? null;
  if (!dev) return -ENODEV;
  const entries = stack.arpEntries();
  const e = entries.find((x) => x.ip === ip && x.dev === dev);
  switch (cmd) {
    case SIOCGARP: {
      if (!e || !e.mac) return -ENXIO;
      b[16] = 1; b[17] = 0; b.set(e.mac, 18);
      new DataView(b.buffer).setInt32(32, 0x2 | (e.permanent ? 0x4 : 0), true); // ATF_COM | ATF_PERM
      copyOut(mm, arg, b);
      return 0;
    }
    case SIOCSARP: stack.arpAdd(dev, ip, b.slice(18, 24)); return 0;
    case SIOCDARP: {
      if (!e) return -ENXIO;
      stack.arp.delete(`${dev.index}/${ip}`);
      return 0;
    }
  }
  return -EINVAL;
}
