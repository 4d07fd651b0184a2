// IPv6 addresses inside the inet stack. TCP and UDP keep addresses as JS numbers; IPv6
// shares those tables by numbering: an IPv4-mapped address ::ffff:a.b.c.d IS the IPv4
// number a.b.c.d (a dual-stack socket's IPv4 traffic is IPv4 traffic), :: is 0 (the
// wildcard of both families), and the IPv6 addresses this machine has get numbers at
// or above 2^32 (::1 is LOOPBACK6). Any other IPv6 address is UNROUTABLE6: no route
// reaches it and it is never local, so connect/sendto say ENETUNREACH and bind
// EADDRNOTAVAIL, as Linux does with no IPv6 route but lo's.

export const V6_BASE = 2 ** 32;
export const LOOPBACK6 = V6_BASE + 1;
export const UNROUTABLE6 = V6_BASE + 2;

/** Is this stack number an IPv6 (not IPv4 or IPv4-mapped) address? */
export const isV6 = (n: number): boolean => n >= V6_BASE;

/** The 16 bytes of a stack number (0 → ::, IPv4 → ::ffff:a.b.c.d). */
export function addr6Bytes(n: number, out = new Uint8Array(16), off = 0): Uint8Array {
  out.fill(0, off, off + 16);
  if (n === LOOPBACK6) out[off + 15] = 1;
  else if (n > 0 && n < V6_BASE) {
    out[off + 10] = 0xff; out[off + 11] = 0xff;
    out[off + 12] = n >>> 24; out[off + 13] = (n >>> 16) & 255; out[off + 14] = (n >>> 8) & 255; out[off + 15] = n & 255;
  }
  return out;
}

/** The stack number of 16 address bytes at b[off]. */
export function addr6Number(b: Uint8Array, off = 0): number {
  let zero10 = true;
  for (let i = 0; i < 10; i++) if (b[off + i] !== 0) { zero10 = false; break; }
  if (zero10 && b[off + 10] === 0xff && b[off + 11] === 0xff) {
    return ((b[off + 12] << 24) | (b[off + 13] << 16) | (b[off + 14] << 8) | b[off + 15]) >>> 0;
  }
  if (zero10 && b[off + 10] === 0 && b[off + 11] === 0 && b[off + 12] === 0 && b[off + 13] === 0 && b[off + 14] === 0) {
    if (b[off + 15] === 0) return 0;
    if (b[off + 15] === 1) return LOOPBACK6;
  }
  return UNROUTABLE6;
}

/** Is b[off..off+16] an IPv4-mapped address (::ffff:0:0/96)? */
export function isMapped(b: Uint8Array, off = 0): boolean {
  for (let i = 0; i < 10; i++) if (b[off + i] !== 0) return false;
  return b[off + 10] === 0xff && b[off + 11] === 0xff;
}

/** The 16-bit-word sum of an address for the IPv6 pseudo-header checksum. */
export function addr6Sum(n: number): number {
  if (n === LOOPBACK6) return 1;
  if (n > 0 && n < V6_BASE) return 0xffff + (n >>> 16) + (n & 0xffff);
  return 0;
}

/**
 * Does a socket bound to `laddr` take traffic for `dst`? A wildcard IPv6 socket takes
 * IPv6 and, unless IPV6_V6ONLY, IPv4; a wildcard IPv4 socket takes IPv4 only.
 */
export function addrTakes(laddr: number, v6: boolean, v6only: boolean, dst: number): boolean {
  if (laddr === dst) return true;
  if (laddr !== 0) return false;
  return isV6(dst) ? v6 : !v6only;
}

/** Do two bound addresses overlap (bind conflicts across the two families)? */
export function addrsOverlap(a: number, aV6: boolean, aOnly: boolean, b: number, bV6: boolean, bOnly: boolean): boolean {
  if (a !== 0 && b !== 0) return a === b;
  if (a !== 0) return addrTakes(b, bV6, bV6 && bOnly, a);
  if (b !== 0) return addrTakes(a, aV6, aV6 && aOnly, b);
  // Both wildcards: they share IPv4 unless one is v6only, IPv6 if both are IPv6.
  const a4 = !(aV6 && aOnly), b4 = !(bV6 && bOnly);
  return (a4 && b4) || (aV6 && bV6);
}

/** /proc/net/{tcp6,udp6,if_inet6}: four network-order words, each printed as a host-order hex. */
export function hexAddr6(n: number): string {
  const b = addr6Bytes(n);
  let s = '';
  for (let w = 0; w < 16; w += 4) {
    const v = ((b[w + 3] << 24) | (b[w + 2] << 16) | (b[w + 1] << 8) | b[w]) >>> 0;
    s += v.toString(16).toUpperCase().padStart(8, '0');
  }
  return s;
}
