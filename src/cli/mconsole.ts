// tuml-mconsole: the management console client, with uml_mconsole's user experience.
//   tuml-mconsole [uml_dir=DIR] UMID|SOCKET [COMMAND ...]
// With a command: send it, print "OK <reply>" or "ERR <reply>", exit 0 or 1.
// Without: a prompt "(UMID) " reading commands; `switch UMID` and `quit` are local.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import readline from 'node:readline';
import { DgramSocket, dgramUnavailable } from '../mconsole/dgram.js';
import { encodeRequest, decodeReply } from '../mconsole/protocol.js';

const USAGE = 'Usage: tuml-mconsole [uml_dir=DIR] UMID|SOCKET [COMMAND ...]\n';

function socketPath(id: string, umlDir: string | null): string {
  if (id.includes('/')) {
    try { if (fs.statSync(id).isDirectory()) return path.join(id, 'mconsole'); } catch { /* a socket path */ }
    return id;
  }
  return path.join(umlDir ?? path.join(os.homedir(), '.uml'), id, 'mconsole');
}

/** Send one command; resolve with the reply text and whether it was an error. */
export function request(sock: DgramSocket, target: string, cmd: string, timeoutMs = 10000): Promise<{ text: string; err: boolean }> {
  return new Promise((resolve, reject) => {
    let text = '', err: boolean | null = null;
    const timer = setTimeout(() => { done(); reject(new Error('no reply (is the machine stopped or gone?)')); }, timeoutMs);
    const done = (): void => { clearTimeout(timer); pending = null; };
    let pending: ((d: Buffer) => void) | null = (d) => {
      const r = decodeReply(d);
      if (!r) return;
      if (err === null) err = r.err !== 0;
      text += r.text;
      if (!r.more) { done(); resolve({ text, err }); }
    };
    handlers.set(sock, (d) => pending?.(d));
    sock.send(encodeRequest(cmd), target);
  });
}
const handlers = new Map<DgramSocket, (d: Buffer) => void>();

function open(): DgramSocket {
  const s = new DgramSocket();
  s.bind(null);
  s.listen((d) => handlers.get(s)?.(d), false);
  return s;
}

function show(r: { text: string; err: boolean }): void {
  process.stdout.write(`${r.err ? 'ERR' : 'OK'} ${r.text}${r.text.endsWith('\n') ? '' : '\n'}`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let umlDir: string | null = null;
  while (argv.length && argv[0].startsWith('uml_dir=')) umlDir = argv.shift()!.slice(8);
  if (argv[0] === '--help' || argv[0] === '-h' || argv.length === 0) { process.stdout.write(USAGE); return argv.length ? 0 : 1; }
  const why = dgramUnavailable();
  if (why) { process.stderr.write(`tuml-mconsole: ${why}\n`); return 1; }
  let id = argv.shift()!;
  let target = socketPath(id, umlDir);
  if (!fs.existsSync(target)) process.stderr.write(`Warning: couldn't stat file: ${target} - No such file or directory\n`);
  const sock = open();
  const send = async (cmd: string): Promise<boolean> => {
    try { const r = await request(sock, target, cmd); show(r); return !r.err; }
    catch (e) { process.stdout.write(`Sending command to '${target}' : ${(e as Error).message}\n`); return false; }
  };
  if (argv.length) { const ok = await send(argv.join(' ')); sock.close(); return ok ? 0 : 1; }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: `(${id}) ` });
  rl.prompt();
  for await (const line of rl) {
    const cmd = line.trim();
    if (cmd === 'quit' || cmd === 'exit') break;
    if (cmd.startsWith('switch ')) { id = cmd.slice(7).trim(); target = socketPath(id, umlDir); rl.setPrompt(`(${id}) `); process.stdout.write(`Switched to '${id}'\n`); }
    else if (cmd !== '') await send(cmd);
    rl.prompt();
  }
  rl.close();
  sock.close();
  return 0;
}

main().then((c) => process.exit(c), (e) => { process.stderr.write(`tuml-mconsole: ${(e as Error).message}\n`); process.exit(1); });
