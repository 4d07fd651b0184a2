// The "boot to an interactive busybox shell" milestone, typed at a real terminal:
// tmux (a private server, a detached 120x40 session) runs a host shell, which
// runs `./bin/tuml quiet`. We type into the pane and read the screen back with
// capture-pane, as a user would: ls, /proc, free, ps, mount, df, dmesg, vi, job
// control (&, jobs, fg, ^Z, bg, kill %1), ^C, then poweroff, after which the host
// shell must report tuml's exit status 0 and `stty -a` must show a sane terminal.
//
// Needs tmux (skipped with a message when missing; never skipped in CI, where
// .ci/run installs it). The steps share one machine and run in order.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD, REPO, have, skipReason, tumlBuilt } from './lib/guest.mjs';

const skip = skipReason([
  [have('tmux'), 'tmux not found (apt-get install tmux)'],
  [tumlBuilt(), 'tuml is not built (npm run build)'],
  [fs.existsSync(path.join(BUILD, 'initramfs.cpio')), 'build/initramfs.cpio missing (run: bash scripts/fetch-guest.sh)'],
]);

const SOCKET = `tuml-test-${process.pid}`;
const SESSION = 'tuml';
const PROMPT = 'root@tuml:~# ';
const HOST_PROMPT = 'HOST$ ';

function tmux(...args) {
  return execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8', timeout: 10_000 });
}
/** Type: literal text (-l), then optional key names (Enter, Escape, C-c …). */
function type(text, ...keys) {
  if (text) tmux('send-keys', '-t', SESSION, '-l', text);
  if (keys.length) tmux('send-keys', '-t', SESSION, ...keys);
}
/** The screen and its scrollback (or only the visible screen), trailing blanks trimmed. */
function screen(history = true) {
  return tmux('capture-pane', '-p', '-J', ...(history ? ['-S', '-'] : []), '-t', SESSION).replace(/\s+$/, '');
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll the screen until `ok(screen)` holds; fail with the screen after `ms`. */
async function waitFor(what, ok, ms = 20_000, history = true) {
  const end = Date.now() + ms;
  let s = '';
  while (Date.now() < end) {
    try { s = screen(history); } catch (e) { s = `(capture-pane failed: ${e.message})`; }
    if (ok(s)) return s;
    await sleep(100);
  }
  assert.fail(`timed out after ${ms} ms waiting for ${what}; the screen:\n${s}`);
}
const lastLine = (s) => s.split('\n').pop();
const atPrompt = (s) => lastLine(s) === PROMPT.trimEnd() || lastLine(s) === PROMPT;
const waitPrompt = (what, ms) => waitFor(`${what} (then the prompt "${PROMPT}")`, atPrompt, ms);

/** Start from an empty screen and history, at the prompt. */
async function fresh() {
  // tmux keeps what a clear wiped in its scrollback: look at the visible screen,
  // then drop the history. The shell may print a job's news ("[1]+ Terminated")
  // after the clear: then clear again.
  const clean = (s) => s.split('\n').filter((l) => l.trim()).length <= 1 && atPrompt(s);
  for (let i = 0; ; i++) {
    type('clear', 'Enter');
    try { await waitFor('the screen to clear', clean, i < 2 ? 5_000 : 20_000, false); break; } catch (e) { if (i >= 2) throw e; }
  }
  tmux('clear-history', '-t', SESSION);
}
/** Type a command line and wait until it has finished (the prompt is back). */
async function run(cmd, ms) {
  await fresh();
  type(cmd, 'Enter');
  return waitFor(`"${cmd}" to finish`, (s) => s.split('\n').length > 1 && atPrompt(s), ms);
}

describe('an interactive session at a terminal (tmux)', { skip, concurrency: 1 }, () => {
  before(() => {
    const env = `env -i PATH=${process.env.PATH} TERM=xterm-256color HOME=${REPO} PS1='${HOST_PROMPT}' bash --norc --noprofile`;
    tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '40', env);
    tmux('set-option', '-t', SESSION, 'history-limit', '5000');
  });
  after(() => { spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { timeout: 10_000 }); });

  test('boots to a prompt with job control', { timeout: 70_000 }, async () => {
    await waitFor('the host shell', (s) => s.includes(HOST_PROMPT.trim()), 10_000);
    type(`cd ${REPO} && ./bin/tuml quiet; echo "EXIT=$?"`, 'Enter');
    const s = await waitPrompt('the guest shell', 60_000);
    assert.doesNotMatch(s, /job control turned off|can't access tty/, s);
    assert.doesNotMatch(s, /cttyhack|not implemented|No such file/, s);
  });

  test('ls /', { timeout: 30_000 }, async () => {
    const s = await run('ls /');
    const words = new Set(s.split(/\s+/));
    for (const d of ['bin', 'dev', 'etc', 'proc', 'root', 'sbin', 'sys', 'tmp', 'usr', 'init']) assert.ok(words.has(d), `ls / lacks ${d}\n${s}`);
  });

  test('tty is the console\'s real terminal', { timeout: 30_000 }, async () => {
    const s = await run('tty');
    assert.match(s, /^\/dev\/tty\d*$/m, s);
  });

  test('cat /proc/meminfo', { timeout: 30_000 }, async () => {
    const s = await run('cat /proc/meminfo');
    assert.match(s, /^MemTotal:\s+\d+ kB$/m, s);
    assert.match(s, /^MemFree:\s+\d+ kB$/m, s);
  });

  test('free', { timeout: 30_000 }, async () => {
    const s = await run('free');
    assert.match(s, /^\s+total\s+used\s+free/m, s);
    assert.match(s, /^Mem:\s+\d+\s+\d+\s+\d+/m, s);
  });

  test('ps', { timeout: 30_000 }, async () => {
    const s = await run('ps');
    assert.match(s, /^\s*PID\s+USER\s+(TIME\s+)?COMMAND$/m, s);
    assert.match(s, /^\s*1\s+root\s+.*init/m, `pid 1 is init\n${s}`);
    assert.match(s, /^\s*\d+\s+root\s+.*sh -l/m, `the login shell\n${s}`);
  });

  test('mount', { timeout: 30_000 }, async () => {
    const s = await run('mount');
    assert.match(s, /^\S+ on \/ type (rootfs|tmpfs|ramfs) /m, s);
    assert.match(s, /^\S+ on \/proc type proc /m, s);
    assert.match(s, /^\S+ on \/sys type sysfs /m, s);
    assert.match(s, /^\S+ on \/dev type devtmpfs /m, s);
  });

  test('df', { timeout: 30_000 }, async () => {
    const s = await run('df');
    assert.match(s, /^Filesystem\s+1K-blocks\s+Used\s+Available\s+Use%\s+Mounted on$/m, s);
    assert.match(s, /^\S+\s+\d+\s+\d+\s+\d+\s+\d+%\s+\/dev$/m, s);
  });

  test('dmesg', { timeout: 30_000 }, async () => {
    const s = await run('dmesg');
    assert.match(s, /^\[\s*\d+\.\d+\] Linux version /m, s);
  });

  test('vi: ihello<Esc>:wq writes a file', { timeout: 60_000 }, async () => {
    await fresh();
    type('vi /tmp/hello.txt', 'Enter');
    await waitFor('vi\'s empty buffer (lines of ~)', (s) => s.split('\n').filter((l) => l === '~').length >= 10);
    type('ihello', 'Escape');
    await sleep(300);
    type(':wq', 'Enter');
    await waitPrompt('vi to exit');
    const s = await run('cat /tmp/hello.txt');
    assert.ok(s.split('\n').includes('hello'), s);
  });

  test('job control: &, jobs, fg, ^Z, bg, jobs, kill %1', { timeout: 90_000 }, async () => {
    // (ash, unlike bash, prints nothing for a job started with &)
    await run('sleep 100 &');
    let s = await run('jobs');
    assert.match(s, /^\[1\]\+\s+Running\s+sleep 100$/m, s);
    await fresh();
    type('fg', 'Enter');
    await waitFor('fg to print the job', (s) => /^sleep 100$/m.test(s));
    await sleep(500);
    assert.ok(!atPrompt(screen()), `fg returned at once\n${screen()}`);
    type('', 'C-z');
    s = await waitPrompt('^Z to stop the job');
    assert.match(s, /\[1\]\+\s+Stopped\s+sleep 100$/m, s);
    s = await run('bg');
    assert.match(s, /^\[1\] sleep 100$/m, s);
    s = await run('jobs');
    assert.match(s, /^\[1\]\+\s+Running\s+sleep 100$/m, s);
    await run('kill %1');
    s = await run('jobs; ps | grep -c "sleep 10[0]"');
    assert.doesNotMatch(s, /Running\s+sleep 100/, s);
    assert.match(s, /^0$/m, `sleep 100 is still alive\n${s}`);
  });

  test('^C ends a running cat', { timeout: 30_000 }, async () => {
    await fresh();
    type('cat', 'Enter');
    await sleep(500);
    type('abc', 'Enter');
    await waitFor('cat to echo abc', (s) => s.split('\n').filter((l) => l === 'abc').length >= 2);
    type('', 'C-c');
    let s = await waitPrompt('^C to end cat');
    assert.match(s, /\^C$/m, `the tty echoes ^C\n${s}`);
    type('echo "status=$?"', 'Enter');   // no clear first: it would set $?
    s = await waitFor('echo "status=$?"', (s) => /^status=\d+$/m.test(s) && atPrompt(s));
    assert.match(s, /^status=130$/m, s);
  });

  test('poweroff: tuml exits 0 and leaves the terminal sane', { timeout: 60_000 }, async () => {
    await fresh();
    type('poweroff', 'Enter');
    let s = await waitFor('the host shell to report tuml\'s exit', (s) => /^EXIT=\d+$/m.test(s), 30_000);
    assert.match(s, /^EXIT=0$/m, s);
    await waitFor('the host prompt', (s) => lastLine(s).startsWith(HOST_PROMPT.trim()));
    type('clear', 'Enter');
    await waitFor('the host screen to clear', (s) => s.trim() === HOST_PROMPT.trim(), 10_000, false);
    tmux('clear-history', '-t', SESSION);
    type('stty -a', 'Enter');
    s = await waitFor('stty -a', (s) => /\bisig\b/.test(s) && lastLine(s).startsWith(HOST_PROMPT.trim()));
    const flags = new Set(s.split(/[\s;]+/));
    for (const f of ['icanon', 'echo', 'isig', 'icrnl', 'opost', 'onlcr', 'iexten']) assert.ok(flags.has(f), `stty -a lacks ${f}: the terminal was not restored\n${s}`);
    for (const f of ['-icanon', '-echo', '-isig', '-opost']) assert.ok(!flags.has(f), `stty -a shows ${f}\n${s}`);
    // and the host shell is usable
    type('echo host-$((6 * 7))', 'Enter');
    await waitFor('the host shell to run a command', (s) => /^host-42$/m.test(s));
  });
});
