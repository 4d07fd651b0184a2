// Checkpoint registrations of sockets: AF_UNIX sockets live wholly in the kernel and are
// saved with their queues, peers, listeners and bound names. Internet sockets talk to
// the host's network (slirp flows, host connections) and netlink ones mirror host state:
// they refuse the checkpoint, naming the socket.
import { registerClass } from './graph.js';
import { UnixSocket } from '../../net/unix.js';
import { NetlinkSocket } from '../../net/inet/netlink.js';
import { TcpSocket, UdpSocket, PingSocket, RawSocket } from '../../net/inet/sock.js';
import { PacketSocket } from '../../net/packet.js';
import { RawSocket6, PingSocket6 } from '../../net/inet6/raw6.js';

registerClass({ name: 'UnixSocket', ctor: UnixSocket });

for (const [name, ctor, what] of [['TcpSocket', TcpSocket, 'a TCP socket'], ['UdpSocket', UdpSocket, 'a UDP socket'],
  ['PingSocket', PingSocket, 'an ICMP socket'], ['RawSocket', RawSocket, 'a raw socket'],
  ['NetlinkSocket', NetlinkSocket, 'a netlink socket'], ['PacketSocket', PacketSocket, 'a packet socket'],
  ['RawSocket6', RawSocket6, 'a raw IPv6 socket'], ['PingSocket6', PingSocket6, 'an ICMPv6 socket']] as const) {
  registerClass({ name, ctor, refuse: (s: { ino: number }) => `${what} (socket:[${s.ino}]) is open: network sockets are not checkpointable` });
}
