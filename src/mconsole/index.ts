// Management for the CLI: the umid directory and the mconsole server.
import type { Machine } from '../machine/boot.js';
import type { MachineConfig } from '../machine/config.js';
import { createUmidDir, UmidError } from './umid.js';
import { MconsoleServer } from './server.js';
import { dgramUnavailable } from './dgram.js';

export interface Management { umid: string; dir: string; server: MconsoleServer | null; close(): void }

/** Create the umid directory and start the mconsole; a string is a fatal error. */
export function startManagement(cfg: MachineConfig, machine: () => Machine | null, log: (s: string) => void): Management | string {
  let u;
  try { u = createUmidDir(cfg.mgmt.umid, cfg.mgmt.umlDir, log); }
  catch (e) {
    if (!(e instanceof UmidError)) throw e;
    // Without umid= or uml_dir= the machine boots anyway (no mconsole), as UML does.
    if (cfg.mgmt.umid !== null || cfg.mgmt.umlDir !== null) return e.message;
    log(`mconsole: disabled: ${e.message}`);
    return { umid: '', dir: '', server: null, close(): void {} };
  }
  let server: MconsoleServer | null = null;
  const why = dgramUnavailable();
  if (why) log(`mconsole: disabled: ${why}`);
  else {
    try { server = new MconsoleServer(u.dir, machine, log, cfg.mgmt.mconsoleNotify); }
    catch (e) { log(`mconsole: disabled: ${(e as Error).message}`); }
  }
  const dir = u;
  return {
    umid: u.umid, dir: u.dir, server,
    close(): void { server?.close(); server = null; dir.remove(); },
  };
}
