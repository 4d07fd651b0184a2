// Where tuml and its peers live, and how to run work under each.
//   tuml   bin/tuml with hostfs roots (build/root from scripts/fetch-guest.sh)
//   UML    /usr/bin/linux (Debian's user-mode-linux) with the amd64 busybox root
//          build/peers/root (scripts/fetch-peers.sh)
//   native the same amd64 busybox, run on the host
//   qemu   qemu-riscv64-static, the riscv64 binaries on the host's kernel
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { timed } from './run.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TUML = path.join(REPO, 'bin', 'tuml');
export const GUEST_ROOT = path.join(REPO, 'build', 'root');
export const GUEST_BUSYBOX = path.join(GUEST_ROOT, 'bin', 'busybox');
export const BENCH_BIN = path.join(REPO, 'build', 'bench');           // riscv64 bench programs
export const PEER_ROOT = path.join(REPO, 'build', 'peers', 'root');  // amd64 hostfs root for UML
export const UML = process.env.BENCH_UML || '/usr/bin/linux';
export const QEMU = 'qemu-riscv64-static';

/** The node flags of bin/tuml's `#!/usr/bin/env -S node FLAGS` line: the bench runs what ./bin/tuml runs. */
export const TUML_NODE_FLAGS = (/^#!.*\bnode\b(.*)$/m.exec(fs.readFileSync(TUML, 'utf8').split('\n')[0])?.[1] ?? '')
  .trim().split(/\s+/).filter(Boolean);

const FETCH_PEERS = 'run scripts/fetch-peers.sh';
const FETCH_GUEST = 'run scripts/fetch-guest.sh';

const isExec = (p) => { try { fs.accessSync(p, fs.constants.X_OK); return fs.statSync(p).isFile(); } catch { return false; } };
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Why each runner cannot run ('' when it can). */
export function missing() {
  return {
    tuml: !fs.existsSync(path.join(REPO, 'dist', 'cli', 'tuml.js')) ? 'run npm run build'
      : !isExec(GUEST_BUSYBOX) ? FETCH_GUEST : '',
    uml: !isExec(UML) ? FETCH_PEERS : !isExec(path.join(PEER_ROOT, 'bin', 'busybox')) ? FETCH_PEERS : '',
    native: !isExec(path.join(PEER_ROOT, 'bin', 'busybox')) ? FETCH_PEERS : '',
    qemu: !onPath(QEMU) ? 'apt-get install qemu-user-static' : '',
    guestProg: (name) => !isExec(path.join(BENCH_BIN, name)) ? FETCH_PEERS : '',
    hostProg: (name) => !isExec(path.join(PEER_ROOT, 'bin', `bench-${name}`)) ? FETCH_PEERS : '',
  };
}

/** tuml with a hostfs root running argv as init. */
export function runTuml(root, argv, { stats = false, timeout = 600000 } = {}) {
  const opts = ['quiet', ...(stats ? ['stats'] : []), 'rootfstype=hostfs', `hostfs=${root}`];
  return timed(process.execPath, [...TUML_NODE_FLAGS, TUML, ...opts, '--', ...argv], { cwd: REPO, timeout });
}

/**
 * UML booting PEER_ROOT with a shell script as init. UML joins its own argv into
 * the kernel command line, so init arguments cannot carry quoting: the script is
 * written to PEER_ROOT/bench/NAME.sh instead, and ends by powering off.
 * The console is the process's stdin and stdout; kernel messages are silenced.
 */
export function umlScript(name, body) {
  const dir = path.join(PEER_ROOT, 'bench');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.sh`);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\nexec /bin/busybox poweroff -f\n`, { mode: 0o755 });
  fs.chmodSync(file, 0o755);
  return `/bench/${name}.sh`;
}

export function umlArgs(init) {
  return ['mem=64M', 'root=/dev/root', 'rootfstype=hostfs', `hostfs=${PEER_ROOT}`, `init=${init}`,
    'quiet', 'loglevel=0', 'con0=fd:0,fd:1', 'con=null'];
}

export function runUml(name, body, { timeout = 600000 } = {}) {
  return timed(UML, umlArgs(umlScript(name, body)), { cwd: REPO, timeout });
}

/** The host's own run of the amd64 busybox shell. */
export function runNative(script) {
  return timed(path.join(PEER_ROOT, 'bin', 'busybox'), ['sh', '-c', script], { cwd: PEER_ROOT });
}
