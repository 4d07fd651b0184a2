// Shared helpers for the tests that run riscv64 guest programs under tuml and
// under the oracle, qemu-riscv64-static on the real Linux kernel.
//
// Skipping: on a developer machine without the cross compiler, qemu or the
// fetched busybox, the tests that need them are skipped with a message that
// says what to install. With CI set in the environment nothing is skipped:
// a missing tool is a failure.
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD = path.join(REPO, 'build');
export const GUEST_SRC = path.join(REPO, 'tests', 'guest');
export const GUEST_BIN = path.join(BUILD, 'guest');
export const ROOT = path.join(BUILD, 'root');
export const TUML = path.join(REPO, 'bin', 'tuml');
export const QEMU = 'qemu-riscv64-static';
export const CC = process.env.RISCV_CC || 'riscv64-linux-gnu-gcc';
export const IN_CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
export const TUML_MEM = `mem=${process.env.TUML_TEST_MEM || '512M'}`;
export const TIMEOUT_MS = Number(process.env.TUML_TEST_TIMEOUT_MS || 60_000);

/** True when `cmd` is found on PATH. */
export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v "$1" >/dev/null 2>&1`, 'sh', cmd]).status === 0;
}

/**
 * Returns undefined when every requirement holds, else a reason to skip.
 * In CI a missing requirement throws instead, so the suite fails loudly.
 * @param {Array<[boolean, string]>} reqs pairs of (requirement holds, what to do)
 */
export function skipReason(reqs) {
  const missing = reqs.filter(([ok]) => !ok).map(([, why]) => why);
  if (missing.length === 0) return undefined;
  const msg = missing.join('; ');
  if (IN_CI) throw new Error(`required in CI: ${msg}`);
  return msg;
}

/** Build tests/guest/*.c into build/guest (incremental). Returns an error string or undefined. */
export function buildGuests() {
  const r = spawnSync('bash', [path.join(REPO, 'scripts', 'build-guest.sh')], { encoding: 'utf8' });
  if (r.status !== 0) return `building guest programs failed:\n${r.stderr}`;
  return undefined;
}

/** Names of the programs in tests/guest (one per .c file). */
export function guestNames() {
  return fs.readdirSync(GUEST_SRC).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2)).sort();
}

/** A fresh scratch folder under the OS temp dir; removed by the returned function. */
export function scratch(prefix = 'tuml-test-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Make a small root folder for one program: t/<name> (the binary), work/ (the
 * folder the program is told to work in). Both runs get their own copy, so
 * neither sees what the other left behind.
 */
export function makeProgramRoot(dir, name, { busybox = false } = {}) {
  fs.mkdirSync(path.join(dir, 't'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'work'));
  fs.mkdirSync(path.join(dir, 'tmp'));
  fs.copyFileSync(path.join(GUEST_BIN, name), path.join(dir, 't', name));
  fs.chmodSync(path.join(dir, 't', name), 0o755);
  if (busybox) {
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.copyFileSync(path.join(ROOT, 'bin', 'busybox'), path.join(dir, 'bin', 'busybox'));
    fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  }
}

/** Exit status as a shell reports it: the code, or 128 + signal number. */
export function exitStatus(r) {
  if (r.error && r.error.code === 'ETIMEDOUT') return 'timeout';
  if (r.status !== null) return r.status;
  if (r.signal) return 128 + os.constants.signals[r.signal];
  return 'unknown';
}

// The environment a Linux kernel gives init is HOME=/ TERM=linux; qemu forwards
// its own environment to the guest, so give it exactly that (plus TZ, which
// only matters where noted).
export const GUEST_ENV = { HOME: '/', TERM: 'linux' };

/**
 * Run a riscv64 program under qemu-riscv64-static.
 * cwd is a host folder standing for the guest's "/" (the guest's own cwd under
 * tuml), so relative paths name the same files in both runs. argv[0] is set
 * with -0 to what tuml would pass.
 */
export function runQemu(hostProg, args, { cwd, argv0, env = GUEST_ENV, input } = {}) {
  const qargs = [];
  if (argv0) qargs.push('-0', argv0);
  qargs.push(hostProg, ...args);
  const r = spawnSync(QEMU, qargs, {
    cwd, env, input: input ?? '', timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20,
  });
  return { stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr ?? Buffer.alloc(0), status: exitStatus(r), error: r.error };
}

/**
 * Run a program under tuml: `bin/tuml quiet mem=512M rootfstype=hostfs hostfs=ROOT -- PROG args`.
 * The guest starts with cwd "/". tuml's exit status is its init's: the exit
 * code, or 128 + signal number when init was killed (as a shell would report).
 */
export function runTuml(root, guestProg, args, { kernelArgs = [], input, env } = {}) {
  // mem=: some programs allocate 64 MiB and more (brk, mmap); the default is 64M.
  const targs = [TUML, 'quiet', TUML_MEM, ...kernelArgs, 'rootfstype=hostfs', `hostfs=${root}`, '--', guestProg, ...args];
  const r = spawnSync(process.execPath, targs, {
    cwd: REPO, input: input ?? '', timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20,
    env: env ?? process.env,
  });
  return { stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr ?? Buffer.alloc(0), status: exitStatus(r), error: r.error };
}

/** Render a run for an assertion message. */
export function describeRun(label, r) {
  const cut = (b) => { const s = b.toString('utf8'); return s.length > 4000 ? s.slice(0, 4000) + '\n…(cut)' : s; };
  return `--- ${label}: status ${r.status}\n--- stdout:\n${cut(r.stdout)}\n--- stderr:\n${cut(r.stderr)}`;
}

/**
 * Make sure the host kernel runs riscv64 ELF files through qemu (binfmt_misc),
 * which programs that execve() other riscv64 programs need under the oracle.
 * As root this mounts binfmt_misc and registers Debian's qemu-riscv64 entry (its
 * riscv64-binfmt-P interpreter keeps argv[0]). Returns an error string or undefined.
 */
export function ensureBinfmt() {
  const dir = '/proc/sys/fs/binfmt_misc';
  const entry = path.join(dir, 'qemu-riscv64');
  try {
    if (fs.existsSync(entry)) {
      return fs.readFileSync(entry, 'utf8').startsWith('enabled') ? undefined : `${entry} is disabled`;
    }
    if (!fs.existsSync(path.join(dir, 'register'))) {
      execFileSync('mount', ['-t', 'binfmt_misc', 'binfmt_misc', dir], { stdio: 'ignore' });
    }
    const conf = '/usr/lib/binfmt.d/qemu-riscv64.conf';
    const line = fs.readFileSync(conf, 'utf8').split('\n').find((l) => l.startsWith(':qemu-riscv64:'));
    if (!line) return `no qemu-riscv64 line in ${conf}`;
    fs.writeFileSync(path.join(dir, 'register'), line);
    return fs.existsSync(entry) ? undefined : 'registering qemu-riscv64 with binfmt_misc had no effect';
  } catch (e) {
    return `cannot register qemu-riscv64 with binfmt_misc (needs root): ${e.message.split('\n')[0]}`;
  }
}

/** Is the tuml kernel built (dist/cli/tuml.js present)? */
export function tumlBuilt() {
  return fs.existsSync(path.join(REPO, 'dist', 'cli', 'tuml.js'));
}
