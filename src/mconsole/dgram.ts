// AF_UNIX datagram sockets: the addon wrapper lives in drivers/ (the uml_switch network
// transport uses it too); mconsole imports it from here.
export * from '../drivers/unixdgram.js';
