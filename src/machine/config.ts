// The UML-style kernel command line: `key=value` options and flags, then `--` and the
// init program's arguments. Parsing is separate from booting so the machine can be
// embedded without a command line.

import { parseUbdOption, UbdSpec } from '../drivers/block/ubd.js';
import { MgmtConfig, defaultMgmt, parseMgmtOption, MGMT_HELP } from './mgmt_config.js';
import { EthSpec, checkEthSpec } from '../net/inet/machine.js';
import type { JitMode } from '../arch/riscv/jit/jit.js';

export class ConfigError extends Error {}

export interface MachineConfig {
  memBytes: number;
  rootfstype: string | null;   // 'hostfs', 'initramfs' (default), …
  root: string | null;
  hostfs: string | null;
  initrd: string | null;
  init: string | null;
  initArgs: string[];
  /** init came from the words after `--` (non-interactive use). */
  initFromArgs: boolean;
  /** Environment for init (unknown-free: Linux passes key=value it does not know; we refuse). */
  initEnv: string[];
  quiet: boolean;
  strace: boolean;
  stats: boolean;
  readonly: boolean;
  hostname: string;
  /** ubd devices (ubd<n>[flags]=file[,backing]). */
  ubd: UbdSpec[];
  /** Management and time: time travel, umid, mconsole, channels (mgmt_config.ts). */
  mgmt: MgmtConfig;
  /** The command line this configuration came from (kept in a checkpoint; /proc/cmdline). */
  argv: string[];
  /** Translate hot guest code: to wasm, JS where wasm cannot (jit=on, the default); to JS only (jit=js); jit=off keeps the pure interpreter. */
  jit: JitMode;
  /** Instructions the machine runs in the interpreter before the JIT starts (jitwarm=). */
  jitWarm: number;
  /** Work (instructions, 1000 per syscall, 250 per page fault) this process's machines do before V8's optimizing compiler starts (optwarm=; machine/optwarm.ts). */
  optWarm: number;
  /** Network devices (eth<n>=slirp|daemon|mcast|ucast,...), extra hostfwd= rules, and ip=. */
  eth: EthSpec[];
  hostfwd: string[];
  ip: string | null;
}

export const VERSION = '0.1.0';

export const HELP = `Usage: tuml [options] [-- init-program [args...]]
User Mode Linux in TypeScript: boots a riscv64 Linux machine inside this process.

Options (UML's kernel command line):
  mem=SIZE            guest memory, with K, M or G suffix (default 64M)
  rootfstype=hostfs   use a host folder as the root filesystem ...
  hostfs=DIR          ... namely DIR (confined: no path leaves it)
  root=DEV            root device: /dev/ubda (a ubd device), /dev/root with hostfs
  ubd<n>[rsdct]=FILE[,BACKING]
                      block device /dev/ubd<n> (n 0-7 or a-z) on a host image; with
                      BACKING, FILE is a UML COW file over it (created when missing).
                      Flags: r read-only, s synchronous writes, d no COW detection,
                      c no host lock (shared), t no TRIM
  initrd=FILE         unpack this cpio (newc) archive as the root (default root)
  init=PATH           the first program to run (default /init, then /sbin/init)
  rw | ro             mount the root read-write (default) or read-only
  quiet               no boot messages on stderr
  strace, --strace    print every guest syscall to stderr, strace-style
  stats               print counters (instructions retired) on exit
  jit=on|js|off       translate hot guest code to WebAssembly (default on; js: JavaScript only; off: interpreter only)
  jitwarm=N           instructions run before the JIT starts (default 4000000: an idle machine stays small)
  optwarm=N           work (instructions, 1000 per syscall, 250 per page fault) before V8's
                      optimizing compiler starts, unless a task runs 1M without blocking or
                      20 tasks ran (default 8000000: an idle machine stays small; 0: at once)
  eth<n>=slirp[,MAC][,hostfwd=tcp:HADDR:HPORT-:GPORT]
                      network device with user-mode NAT (no root): guest 10.0.2.15/24,
                      gateway 10.0.2.2 (the host's loopback), DNS 10.0.2.3, DHCP
  eth<n>=daemon,[MAC],[unix],[CTLSOCKET]
                      a port on uml_switch (uml-utilities; default /tmp/uml.ctl):
                      a LAN shared with other tuml and UML machines
  eth<n>=mcast,[MAC],[ADDR],[PORT],[TTL]
                      a LAN over UDP multicast (default 239.192.168.1,1102,1)
  eth<n>=ucast,[MAC],[ADDR],[PORT],[LPORT],[LADDR]
                      a UDP point-to-point link to ADDR:PORT (default 127.0.0.1,1102;
                      LPORT, where we listen, defaults to PORT)
  hostfwd=tcp:HADDR:HPORT-:GPORT
                      forward a host TCP port to the guest (first eth device)
  ip=dhcp             configure the slirp eth0 at boot (10.0.2.15/24, default route)
${MGMT_HELP}  --help              this text
  --version           print the version
  --showconfig        print the build configuration
The words after -- are the init program and its arguments.
`;

/** Parse a UML size: digits with an optional K/M/G suffix. */
export function parseSize(s: string): number {
  const m = /^(\d+)([KkMmGg]?)$/.exec(s);
  if (!m) throw new ConfigError(`invalid memory size '${s}' (use e.g. 64M)`);
  const mult = { '': 1, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

export function defaultConfig(): MachineConfig {
  return {
    memBytes: 64 << 20, rootfstype: null, root: null, hostfs: null, initrd: null, init: null,
    initArgs: [], initFromArgs: false, initEnv: ['HOME=/', 'TERM=linux'], quiet: false, strace: false, stats: false,
    readonly: false, hostname: 'tuml', ubd: [], mgmt: defaultMgmt(), jit: 'on', jitWarm: 4e6, optWarm: 8e6, eth: [], hostfwd: [], ip: null, argv: [],
  };
}

/** Parse argv (without node and script). Returns the config, or a string for --help etc. */
export function parseArgs(argv: string[]): MachineConfig | { print: string } {
  const c = defaultConfig();
  c.argv = argv.slice();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { i++; break; }
    if (a === '--help' || a === '-h') return { print: HELP };
    if (a === '--version') return { print: `tuml ${VERSION}\n` };
    if (a === '--showconfig') return { print: showConfig() };
    if (a === '--strace') { c.strace = true; continue; }
    const eq = a.indexOf('=');
    const key = eq < 0 ? a : a.slice(0, eq);
    const val = eq < 0 ? null : a.slice(eq + 1);
    const need = (): string => {
      if (val === null || val === '') throw new ConfigError(`option '${key}' needs a value (${key}=...)`);
      return val;
    };
    switch (key) {
      case 'mem': c.memBytes = parseSize(need()); break;
      case 'rootfstype': c.rootfstype = need(); break;
      case 'root': c.root = need(); break;
      case 'hostfs': c.hostfs = need(); break;
      case 'initrd': c.initrd = need(); break;
      case 'init': c.init = need(); break;
      case 'quiet': c.quiet = true; break;
      case 'strace': c.strace = true; break;
      case 'stats': c.stats = true; break;
      case 'rw': c.readonly = false; break;
      case 'ro': c.readonly = true; break;
      case 'hostname': c.hostname = need(); break;
      case 'jit': {
        const v = need();
        if (v !== 'on' && v !== 'off' && v !== 'js') throw new ConfigError(`jit=${v}: use jit=on, jit=js or jit=off`);
        c.jit = v; break;
      }
      case 'jitwarm': {
        const v = need();
        if (!/^\d{1,12}$/.test(v)) throw new ConfigError(`jitwarm=${v}: expected a number of instructions`);
        c.jitWarm = Number(v); break;
      }
      case 'optwarm': {
        const v = need();
        if (!/^\d{1,12}$/.test(v)) throw new ConfigError(`optwarm=${v}: expected a number of instructions`);
        c.optWarm = Number(v); break;
      }
      case 'hostfwd': c.hostfwd.push(need()); break;
      case 'ip': c.ip = need(); break;
      default: {
        if (parseMgmtOption(c.mgmt, key, val)) break;
        const eth = /^eth(\d+)$/.exec(key);
        if (eth) {
          const e = checkEthSpec(need());
          if (e) throw new ConfigError(`${key}: ${e}`);
          if (c.eth.some((o) => o.index === +eth[1])) throw new ConfigError(`${key} given twice`);
          c.eth.push({ index: +eth[1], spec: val! });
          break;
        }
        const u = parseUbdOption(key, val);
        if (typeof u === 'string') throw new ConfigError(u);
        if (u !== null) {
          if (c.ubd.some((o) => o.index === u.index)) throw new ConfigError(`ubd device ${key} given twice`);
          c.ubd.push(u);
          break;
        }
        throw new ConfigError(`unknown option '${a}' (see tuml --help)`);
      }
    }
  }
  if (i < argv.length) {
    c.init = argv[i];
    c.initArgs = argv.slice(i + 1);
    c.initFromArgs = true;
  }
  if (c.memBytes < 4 << 20) throw new ConfigError(`mem=${c.memBytes} is too small (at least 4M)`);
  if (c.memBytes > 4096 * 1024 * 1024 - 65536) throw new ConfigError('mem= is too large (at most 4095M)');
  if (c.rootfstype !== null && !['hostfs', 'initramfs', 'tmpfs', 'ext2', 'ext3', 'ext4'].includes(c.rootfstype)) {
    throw new ConfigError(`unsupported rootfstype '${c.rootfstype}'`);
  }
  if (c.hostfs !== null && c.rootfstype === null && !(c.root ?? '').includes('ubd')) c.rootfstype = 'hostfs';
  if (c.rootfstype === 'hostfs' && c.hostfs === null) throw new ConfigError('rootfstype=hostfs needs hostfs=DIR');
  return c;
}

function showConfig(): string {
  return ['CONFIG_RISCV=y', 'CONFIG_64BIT=y', 'CONFIG_HOSTFS=y', 'CONFIG_TMPFS=y', 'CONFIG_DEVTMPFS=y',
    'CONFIG_DEVTMPFS_MOUNT=y', 'CONFIG_BLK_DEV_INITRD=y', 'CONFIG_PROC_FS=y', 'CONFIG_SYSFS=y', 'CONFIG_BLK_DEV_UBD=y', 'CONFIG_BLK_DEV_UBD_SYNC=n', 'CONFIG_EXT2_FS=y', 'CONFIG_EXT4_FS=y', ''].join('\n');
}
