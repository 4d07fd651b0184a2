// Node built-in modules that a default boot does not use, loaded at their first use:
// each costs host memory for as long as the process lives once loaded (its JavaScript,
// bindings, native state): child_process (hostfs mknod, block hole punching), dgram (net
// transports), v8 (checkpoints), crypto (fallback randomness). Not for hot paths: a call
// is a require() cache lookup.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export const nodeChildProcess = (): typeof import('node:child_process') => load('node:child_process');
export const nodeDgram = (): typeof import('node:dgram') => load('node:dgram');
export const nodeV8 = (): typeof import('node:v8') => load('node:v8');
export const nodeCrypto = (): typeof import('node:crypto') => load('node:crypto');
export const nodeNet = (): typeof import('node:net') => load('node:net');
export const nodeTty = (): typeof import('node:tty') => load('node:tty');
export const nodeZlib = (): typeof import('node:zlib') => load('node:zlib');
