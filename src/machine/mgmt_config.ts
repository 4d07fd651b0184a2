// Command-line options for management and time: time travel, random seed, umid and
// uml_dir, mconsole, console and serial line channels, restore. Kept apart from
// config.ts so that the core option table stays short.
import { ConfigError } from './config.js';
import { parseLineSpec } from '../drivers/chan/chan.js';

export type TimeTravel = 'host' | 'basic' | 'inf-cpu';

export interface MgmtConfig {
  /** time-travel[=inf-cpu]: virtual time (see kernel/vclock.ts). */
  timeTravel: TimeTravel;
  /** time-travel-start=SECONDS: CLOCK_REALTIME at boot. */
  timeTravelStart: number | null;
  /** random-seed=N: deterministic getrandom, AT_RANDOM, /dev/urandom (default 0 with inf-cpu). */
  randomSeed: number | null;
  /** umid=NAME (default: random). */
  umid: string | null;
  /** uml_dir=DIR (default ~/.uml). */
  umlDir: string | null;
  /** mconsole=notify:SOCKET */
  mconsoleNotify: string | null;
  /** con=SPEC (all consoles) and conN=SPEC. */
  conAll: string | null;
  con: Map<number, string>;
  /** ssl=SPEC (all serial lines) and sslN=SPEC. */
  sslAll: string | null;
  ssl: Map<number, string>;
  /** restore=FILE: resume a checkpoint. */
  restore: string | null;
}

export function defaultMgmt(): MgmtConfig {
  return {
    timeTravel: 'host', timeTravelStart: null, randomSeed: null, umid: null, umlDir: null,
    mconsoleNotify: null, conAll: null, con: new Map(), sslAll: null, ssl: new Map(), restore: null,
  };
}

export const MGMT_HELP = `  time-travel         virtual time: idle periods are skipped (sleep 3600 returns at once)
  time-travel=inf-cpu time advances only as instructions retire (1 ns each): reproducible
  time-travel-start=SECONDS
                      CLOCK_REALTIME at boot (default: host time; 1704067200 with inf-cpu)
  random-seed=N       seed getrandom, AT_RANDOM and /dev/urandom (default 0 with inf-cpu)
  umid=NAME           machine id: ~/.uml/NAME/ holds the pid file and mconsole socket
  uml_dir=DIR         where umid directories live (default ~/.uml)
  mconsole=notify:SOCK
                      send the mconsole socket's path to the datagram socket SOCK
  restore=FILE        resume a checkpoint written by the mconsole's 'checkpoint FILE'
                      (only channel and management options may be given with it)
  con=SPEC, conN=SPEC consoles /dev/ttyN (con0 is /dev/console, default fd:0,fd:1;
                      con= sets con0-con7 unless named one by one)
  ssl=SPEC, sslN=SPEC serial lines /dev/ttySN (ssl= sets ssl0-ssl7).
                      SPEC: CHAN or IN,OUT; CHAN: fd:N, null, port:N (telnet/nc on
                      127.0.0.1:N, lines naming one port share it), file:PATH (output
                      only); pts and xterm are not supported
`;

const MAX_LINES = 16;

/** Handle one option; false when it is not a management option. */
export function parseMgmtOption(m: MgmtConfig, key: string, val: string | null): boolean {
  const need = (): string => {
    if (val === null || val === '') throw new ConfigError(`option '${key}' needs a value (${key}=...)`);
    return val;
  };
  const num = (): number => {
    const v = need();
    if (!/^\d+$/.test(v)) throw new ConfigError(`option '${key}' needs a number, not '${v}'`);
    return Number(v);
  };
  switch (key) {
    case 'time-travel':
      if (val === null || val === '') m.timeTravel = 'basic';
      else if (val === 'inf-cpu') m.timeTravel = 'inf-cpu';
      else if (val.startsWith('ext:')) throw new ConfigError('time-travel=ext: (an external scheduler) is not supported; use time-travel or time-travel=inf-cpu');
      else throw new ConfigError(`time-travel=${val}: unknown mode (time-travel or time-travel=inf-cpu)`);
      return true;
    case 'time-travel-start': m.timeTravelStart = num(); return true;
    case 'random-seed': m.randomSeed = num(); return true;
    case 'umid': {
      const v = need();
      if (!/^[A-Za-z0-9_.-]+$/.test(v) || v === '.' || v === '..') throw new ConfigError(`umid=${v}: use letters, digits, '_', '-' and '.'`);
      m.umid = v;
      return true;
    }
    case 'uml_dir': m.umlDir = need(); return true;
    case 'mconsole': {
      const v = need();
      if (!v.startsWith('notify:') || v.length === 7) throw new ConfigError(`mconsole=${v}: expected mconsole=notify:SOCKET`);
      m.mconsoleNotify = v.slice(7);
      return true;
    }
    // restore=FILE: the machine comes from a checkpoint (machine/checkpoint/).
    case 'restore': m.restore = need(); return true;
  }
  const cm = /^(con|ssl)(\d*)$/.exec(key);
  if (!cm) return false;
  const spec = need();
  checkChannelSpec(key, spec);
  if (cm[2] === '') { if (cm[1] === 'con') m.conAll = spec; else m.sslAll = spec; return true; }
  const n = Number(cm[2]);
  if (n >= MAX_LINES) throw new ConfigError(`${key}: at most ${MAX_LINES} lines (0-${MAX_LINES - 1})`);
  (cm[1] === 'con' ? m.con : m.ssl).set(n, spec);
  return true;
}

/** Check a channel spec (input[,output]); throws a ConfigError naming the option. */
export function checkChannelSpec(key: string, spec: string): void {
  const r = parseLineSpec(key, spec);
  if (typeof r === 'string') throw new ConfigError(r);
}
