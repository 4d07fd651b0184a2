// The machine's identity on the host: ~/.uml/UMID/ (uml_dir=, umid=), mode 0700, with
// the pid file and the mconsole socket; removed on exit. A umid that a live process
// holds is refused; a directory whose pid is dead is stale and cleaned up, as UML does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostRandomFill } from '../lib/hostrandom.js';

export class UmidError extends Error {}

export interface UmidDir { umid: string; dir: string; remove(): void }

export function defaultUmlDir(): string { return path.join(os.homedir(), '.uml'); }

/** A random umid, six characters as UML's mkstemp-style default. */
export function randomUmid(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const b = new Uint8Array(6);
  hostRandomFill(b);
  return [...b].map((b) => chars[b % chars.length]).join('');
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** The pid recorded in DIR/pid, or null. */
export function umidPid(dir: string): number | null {
  try { const n = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8').trim()); return Number.isInteger(n) ? n : null; }
  catch { return null; }
}

export function createUmidDir(umid: string | null, umlDir: string | null, log: (s: string) => void): UmidDir {
  const base = umlDir ?? defaultUmlDir();
  const id = umid ?? randomUmid();
  try { fs.mkdirSync(base, { recursive: true, mode: 0o700 }); }
  catch (e) { throw new UmidError(`uml_dir ${base}: ${(e as Error).message}`); }
  const dir = path.join(base, id);
  if (fs.existsSync(dir)) {
    const pid = umidPid(dir);
    if (pid !== null && pid !== process.pid && alive(pid)) {
      throw new UmidError(`umid '${id}' is in use by pid ${pid} (${dir}); choose another umid= or stop that machine`);
    }
    log(`umid '${id}': removing the stale directory ${dir}${pid !== null ? ` (pid ${pid} is gone)` : ''}`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  try { fs.mkdirSync(dir, { mode: 0o700 }); fs.chmodSync(dir, 0o700); }
  catch (e) { throw new UmidError(`cannot create ${dir}: ${(e as Error).message}`); }
  fs.writeFileSync(path.join(dir, 'pid'), `${process.pid}\n`);
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    try { if (umidPid(dir) === process.pid) fs.rmSync(dir, { recursive: true, force: true }); } catch { /* gone */ }
  };
  process.on('exit', remove);
  return { umid: id, dir, remove };
}
