// Address families: importing this module registers every family with net/socket.ts.
// Add a family by importing its module here (it calls registerFamily at load time).
import './unix.js';
export * from './socket.js';
