#!/usr/bin/env node
// Build native/unix_dgram.node (AF_UNIX datagram sockets for mconsole and eth=daemon) with node-gyp,
// the one npm ships. Uses the Node headers installed beside node (e.g. /usr/include/node)
// when they are there, so that no download is needed. Skips the build when the addon is
// newer than its source. Usage: node scripts/build-native.mjs [--force]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'native');
const OUT = path.join(DIR, 'build', 'Release', 'unix_dgram.node');
const SRC = ['unix_dgram.c', 'rxring.c', 'inotify.c', 'binding.gyp'].map((f) => path.join(DIR, f));
const mtime = (f) => { try { return fs.statSync(f).mtimeMs; } catch { return -1; } };

if (!process.argv.includes('--force') && mtime(OUT) > Math.max(...SRC.map(mtime))) process.exit(0);

function findNodeGyp() {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  for (const p of [path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(prefix, 'share', 'nodejs', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js']) {
    if (fs.existsSync(p)) return p;
  }
  return null;
}

const args = ['rebuild', '--loglevel=warn'];
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const gyp = findNodeGyp();
const r = gyp ? spawnSync(process.execPath, [gyp, ...args], { cwd: DIR, stdio: ['ignore', 'ignore', 'inherit'] })
  : spawnSync('node-gyp', args, { cwd: DIR, stdio: ['ignore', 'ignore', 'inherit'] });
if (r.status !== 0 || !fs.existsSync(OUT)) {
  process.stderr.write('build-native: building native/unix_dgram.node failed (needs python3, make, a C compiler and the Node headers); mconsole will be unavailable\n');
  process.exit(process.argv.includes('--optional') ? 0 : 1);
}
