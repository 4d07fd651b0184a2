// Debian's own riscv64 userland under tuml: dynamically linked programs from a
// debootstrap'ed trixie root (build/debian, made by scripts/fetch-debian.sh), run
// under tuml with that folder as the hostfs root and compared with the same command
// run on the real kernel in a qemu chroot (binfmt_misc) of the same folder.
//
// Outside CI the test skips, saying why, when build/debian is missing or the oracle
// cannot run (not root, no binfmt_misc). In CI nothing is skipped.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  BUILD, CC, GUEST_ENV, IN_CI, REPO, TIMEOUT_MS, TUML, describeRun, ensureBinfmt, exitStatus, have, runTuml, tumlBuilt,
} from './lib/guest.mjs';

const DEBIAN = path.join(BUILD, 'debian');
const LDSO = '/lib/ld-linux-riscv64-lp64d.so.1';
/** Where the test's own programs go inside the root (not listed by ls -l /; one per run, as
 * several checkouts' test runs may share build/debian). */
const WORK = `/var/tmp/tuml-test-${process.pid}`;

function setupSkip() {
  const miss = [];
  if (!fs.existsSync(path.join(DEBIAN, '.tuml-ready'))) miss.push('build/debian is missing (run: sudo bash scripts/fetch-debian.sh)');
  if (!tumlBuilt()) miss.push('tuml is not built (npm run build)');
  if (miss.length === 0) return undefined;
  if (IN_CI) throw new Error(`required in CI: ${miss.join('; ')}`);
  return miss.join('; ');
}
function oracleSkip() {
  if (process.getuid?.() !== 0) return 'the oracle needs root (chroot)';
  if (!have('chroot')) return 'chroot not found';
  return ensureBinfmt();
}

/** Is a syscall implemented by the built kernel? (python3 needs futex.) */
async function implemented(name) {
  const { TABLE } = await import(path.join(REPO, 'dist', 'syscalls', 'table.js'));
  return TABLE.some((d) => d && d.name === name && d.handler);
}

const CHROOT = ['/usr/sbin/chroot', '/sbin/chroot', '/usr/bin/chroot'].find((p) => fs.existsSync(p)) ?? 'chroot';

function runChroot(argv) {
  const r = spawnSync(CHROOT, [DEBIAN, ...argv], {
    env: GUEST_ENV, input: '', timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20,
  });
  return { stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr ?? Buffer.alloc(0), status: exitStatus(r), error: r.error };
}

const sh = (cmd) => ['/bin/bash', '-c', cmd];
// Things that differ between the two runs for reasons outside the programs: /dev is a
// devtmpfs under tuml and the root's own folder in the chroot; load addresses.
const CASES = [
  ['bash, ls -l /, cat | head', sh('echo hi; ls -l / | grep -v -e " dev$" -e "^total "; cat /etc/os-release | head -2')],
  ['python3 -c', ['/usr/bin/python3', '-c', 'print(6*7)'], { needs: 'futex' }],
  ['perl -e', ['/usr/bin/perl', '-e', 'print 6*7, "\\n"']],
  ['dpkg --version', ['/usr/bin/dpkg', '--version']],
  ['sort', sh('printf "b\\na\\nc\\n" | sort; sort -t: -k3,3n /etc/passwd | head -4; sort -r /etc/group | head -3')],
  ['find | wc -l', sh('find /etc -name "*.conf" | wc -l; find /usr/share/doc -maxdepth 1 -name "lib*" | sort | head -5')],
  ['coreutils and grep/sed/awk', sh('seq 1 20 | paste -sd+; seq 1 20 | awk "{s+=\\$1} END {print s}"; echo abc | sed s/b/X/; grep -c root /etc/passwd; wc -c < /etc/os-release; md5sum /etc/os-release; basename /a/b/c; date -d @0 -u')],
  ['ld.so --list /bin/ls', sh(`${LDSO} --list /bin/ls | sed -E "s/ \\(0x[0-9a-f]+\\)//"`)],
  ['ld.so /bin/true, ld.so /bin/echo', sh(`${LDSO} /bin/true; echo status $?; ${LDSO} /bin/echo via ld.so`)],
  ['umask, chmod, chown', sh(`cd ${WORK} && rm -f f && umask 027 && : > f && stat -c "%a %U" f && chmod 4755 f && chown 1000 f && stat -c "%a %u" f && ls -l secret 2>&1 | cut -c1-10`)],
  ['dynamic PIE program', [`${WORK}/dyn-pie`, 'arg']],
  ['dynamic non-PIE program', [`${WORK}/dyn-nopie`, 'arg']],
  ['dynamic program through ld.so', [LDSO, `${WORK}/dyn-pie`, 'arg']],
  ['static-pie program', [`${WORK}/static-pie`]],
];

// The acceptance checks of issue 4. Each runs as `/bin/sh WORK/init.sh /bin/bash -c CMD`:
// init.sh does what an init would (mount /proc, the /dev/fd links, PATH), so under tuml
// and in the oracle's chroot (in a private mount namespace: `unshare -m`) the command
// finds the same system. Both runs go at once, each in its own copy of the work files
// (WORK/tuml, WORK/oracle), given to the check as `w`.
const INIT = `${WORK}/init.sh`;
const PERL = [
  'my @w = qw(pear Apple fig banana cherry apple);',
  'print join(",", sort @w), "\\n";',
  'print join(",", sort { lc($a) cmp lc($b) or $a cmp $b } @w), "\\n";',
  'print join(",", sort { $b <=> $a } (10, 2, 33, 4.5, -1, 1e3)), "\\n";',
  'my $s = "2024-01-15 key=value other=42 x=y";',
  'print "$1|$2|$3|$4|$5\\n" if $s =~ /^(\\d+)-(\\d+)-(\\d+)\\s+(\\w+)=(\\w+)/;',
  '(my $t = $s) =~ s/(\\d+)/<$1>/g; print "$t\\n";',
  'my %h = $s =~ /(\\w+)=(\\w+)/g; print join(";", map { "$_=$h{$_}" } sort keys %h), "\\n";',
  'print scalar(() = $s =~ /e/g), " ", join("|", split /\\s*=\\s*|\\s+/, $s), "\\n";',
  'printf("%.3f %10.4e %g %g %.0f %.0f %s %05.1f|%-8.2f|%+d\\n", 3.14159265, 12345.6789, 0.0001, 1e21, 2.5, 3.5, 0.1 + 0.2, 3.14159, 2.71828, 7);',
  'print sprintf("%.15g", 1 / 3), " ", 10 / 3, " ", 1e100, " ", 2**53 + 1, " ", sqrt(2), "\\n";',
].join(' ');
// (cp -a: times are compared to the millisecond, as hostfs sets host times through Node,
// whose utimes takes seconds as a double: below a microsecond they round.)
const CHECKS = [
  ['bash script: functions, arrays, $(...), process substitution, wait -n, traps', (w) => `cd ${w} && bash script.sh`],
  ['ls -la', (w) => `cd ${w} && rm -rf lsd && mkdir -p lsd/sub && echo data > lsd/a && ln -s a lsd/link && mkfifo lsd/fifo && chmod 640 lsd/a && chown 1:2 lsd/sub && touch -h -d "2001-02-03 04:05:06" lsd/a lsd/sub lsd/link lsd/fifo lsd && ls -la --time-style=long-iso lsd | grep -v -e " \.\.$" -e "^total"; ls -lan --time-style=+%s lsd/a; rm -rf lsd`],
  ['sort -S 1M of a large file', (w) => `cd ${w} && seq 1 60000 | awk '{ print ($1 * 7919) % 60013, "k" ($1 % 977) }' > big.txt && sort -S 1M -n big.txt | md5sum && sort -S 1M -k2,2 -k1,1n big.txt | md5sum && sort -S 1M -u -k2,2 big.txt | wc -l && sort -S 1M -rn big.txt | head -3 && wc -l big.txt; rm -f big.txt`],
  ['cp -a', (w) => `cd ${w} && rm -rf cpa && mkdir cpa && cp -a /etc/apt /usr/share/doc/gzip cpa/ && ln -s gzip cpa/gz && touch -h -d "2001-02-03 04:05:06.123456789" cpa/gz && cp -a cpa cpb && diff -r /etc/apt cpb/apt && find cpb -mindepth 1 -printf "%M %u %g %s %TY-%Tm-%Td %TT %p %l\n" | sed -E "s/( [0-9:]+\\.[0-9]{3})[0-9]+ /\\1 /" | sort; rm -rf cpa cpb`],
  ['tar czf / tar xzf round trip', (w) => `cd ${w} && rm -rf tx t.tgz && tar czf t.tgz -C /usr/share/doc gzip tar sed -C /etc apt && mkdir tx && tar xzf t.tgz -C tx && diff -r tx/gzip /usr/share/doc/gzip && diff -r tx/apt /etc/apt && tar tzvf t.tgz | sort -k6 && gzip -t t.tgz && tar xzOf t.tgz gzip/copyright | md5sum; rm -rf tx t.tgz`],
  ['find -exec', (w) => 'find /usr/share/doc/gzip /etc/apt -type f -exec md5sum {} \\; | sort -k2; find /etc -maxdepth 1 -name "*.conf" -exec wc -c {} + | sort -k2; find /usr/share/doc/sed -name "*.gz" -exec sh -c \'echo "$1 $(zcat "$1" | wc -l)"\' sh {} \\; | sort'],
  ['xargs -P4', (w) => 'seq 1 24 | xargs -P4 -n3 sh -c \'echo $(($1 * $2 * $3))\' sh | sort -n; printf "%s\\n" a b c d e f g h | xargs -P4 -I{} sh -c "echo {}{}" | sort | paste -sd,; find /etc/apt -type f -print0 | xargs -0 -P4 -n1 wc -c | sort -k2'],
  ['grep, sed and awk', (w) => 'grep -E "^(root|daemon|bin):" /etc/passwd; grep -rl Debian /etc/apt /etc/os-release | sort; grep -c -v "^#" /etc/passwd; grep -o "[0-9]\\+" /etc/os-release | sort -n | uniq -c; sed -n "/^root/,/^sys/p" /etc/passwd | sed -E "s/:[^:]*:/ => /; s/(.)$/[\\1]/"; sed "1!G;h;\\$!d" /etc/os-release | head -3; awk -F: \'$3 < 10 { n[$7]++ } END { for (s in n) print s, n[s] }\' /etc/passwd | sort; awk \'BEGIN { printf "%.3f %e %d %s\\n", atan2(1, 1) * 4, 12345.678, 2^31, substr("abcdef", 2, 3); x = "a,b,,c"; n = split(x, arr, ","); print n, arr[4]; print toupper("mixed Case"), length("hello") }\''],
  ['python3: threading, subprocess, fork, signal, select, asyncio, sqlite3, hashlib, json, zlib', (w) => `cd ${w} && python3 pyexercise.py`, { needs: 'futex' }],
  ['python3 -m unittest', (w) => `cd ${w} && python3 -m unittest -v test_small 2>&1 | sed -E "s/ in [0-9.]+s$/ in Xs/"; exit \${PIPESTATUS[0]}`, { needs: 'futex' }],
  ['perl: regexes, sprintf of floats, sort', (w) => `perl -e '${PERL}'`],
  ['gcc inside the guest: a C program with threads', (w) => `cd ${w} && gcc -O2 -pthread -o threads threads.c && ./threads; s=$?; rm -f threads; exit $s`, { needs: 'futex' }],
  ['sqlite3: 1,000 inserts in transactions on the hostfs root', (w) => `bash ${w}/sqlite.sh ${w}/test.db`],
];
/** Spawn and collect (both runs of a check go at once). */
function runAsync(cmd, args, { timeout, env }) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [], err = [];
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, timeout);
    p.stdout.on('data', (b) => out.push(b));
    p.stderr.on('data', (b) => err.push(b));
    p.on('close', (code, sig) => {
      clearTimeout(timer);
      const status = timedOut ? 'timeout' : code !== null ? code : 128 + (os.constants.signals[sig] ?? 0);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), status });
    });
  });
}
const CHECK_TIMEOUT = 8 * 60_000;

const skip = setupSkip();
describe('Debian riscv64 userland (build/debian)', { skip }, () => {
  const work = path.join(DEBIAN, WORK);
  let buildError;
  before(() => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });
    fs.writeFileSync(path.join(work, 'secret'), 'x\n', { mode: 0o600 });
    const src = path.join(REPO, 'tests', 'debian');
    for (const d of ['', 'tuml', 'oracle']) {
      fs.mkdirSync(path.join(work, d), { recursive: true });
      for (const f of ['init.sh', 'script.sh', 'pyexercise.py', 'test_small.py', 'threads.c', 'sqlite.sh']) {
        fs.copyFileSync(path.join(src, f), path.join(work, d, f));
      }
    }
    const builds = [
      ['dyn-pie', ['-O2', '-fPIE', '-pie', path.join(src, 'dyn.c')]],
      ['dyn-nopie', ['-O2', '-no-pie', path.join(src, 'dyn.c')]],
      ['static-pie', ['-O2', '-fPIE', '-static-pie', '-nostdlib', '-ffreestanding', path.join(src, 'static_pie.c')]],
    ];
    for (const [out, args] of builds) {
      const r = spawnSync(CC, [...args, '-o', path.join(work, out)], { encoding: 'utf8' });
      if (r.status !== 0) { buildError = `${CC} ${args.join(' ')}: ${r.stderr}`; break; }
    }
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  const why = skip ? undefined : oracleSkip();
  if (why && IN_CI) throw new Error(`required in CI: ${why}`);

  for (const [label, argv, opts = {}] of CASES) {
    test(label, { timeout: 3 * 60_000 }, async (t) => {
      if (buildError) assert.fail(buildError);
      if (opts.needs && !(await implemented(opts.needs))) {
        t.skip(`needs the ${opts.needs} syscall, not implemented yet`);
        return;
      }
      const u = runTuml(DEBIAN, argv[0], argv.slice(1));
      if (why) {
        // No oracle here: at least the program must have run.
        t.diagnostic(`oracle skipped: ${why}`);
        assert.ok(u.status === 0 || u.status === 3 || u.status === 7, describeRun('tuml', u));
        return;
      }
      const q = runChroot(argv);
      const detail = () => `${describeRun('qemu chroot', q)}\n${describeRun('tuml', u)}`;
      assert.equal(u.stdout.toString('latin1'), q.stdout.toString('latin1'), `stdout differs\n${detail()}`);
      assert.equal(u.stderr.toString('latin1'), q.stderr.toString('latin1'), `stderr differs\n${detail()}`);
      assert.equal(u.status, q.status, `exit status differs\n${detail()}`);
    });
  }

  const noUnshare = have('unshare') ? undefined : 'unshare not found (util-linux)';
  for (const [label, cmd, opts = {}] of CHECKS) {
    test(label, { timeout: CHECK_TIMEOUT + 30_000 }, async (t) => {
      if (buildError) assert.fail(buildError);
      if (opts.needs && !(await implemented(opts.needs))) {
        t.skip(`needs the ${opts.needs} syscall, not implemented yet`);
        return;
      }
      const argv = (w) => ['/bin/sh', INIT, '/bin/bash', '-c', cmd(w)];
      const tuml = runAsync(process.execPath, [TUML, 'quiet', 'mem=1G', 'rootfstype=hostfs', `hostfs=${DEBIAN}`, '--', ...argv(`${WORK}/tuml`)],
        { timeout: CHECK_TIMEOUT, env: process.env });
      const oracleWhy = why ?? noUnshare;
      if (oracleWhy) {
        const u = await tuml;
        t.diagnostic(`oracle skipped: ${oracleWhy}`);
        assert.equal(u.status, 0, describeRun('tuml', u));
        return;
      }
      const [u, q] = await Promise.all([tuml, runAsync('unshare', ['-m', CHROOT, DEBIAN, ...argv(`${WORK}/oracle`)], { timeout: CHECK_TIMEOUT, env: GUEST_ENV })]);
      // The runs' own folders appear in some outputs (python tracebacks, cp -a listings).
      const norm = (r, d) => ({ ...r, stdout: Buffer.from(r.stdout.toString('latin1').replaceAll(`${WORK}/${d}`, '$W'), 'latin1'),
        stderr: Buffer.from(r.stderr.toString('latin1').replaceAll(`${WORK}/${d}`, '$W'), 'latin1') });
      const [nu, nq] = [norm(u, 'tuml'), norm(q, 'oracle')];
      const detail = () => `${describeRun('qemu chroot', nq)}\n${describeRun('tuml', nu)}`;
      assert.equal(nu.stdout.toString('latin1'), nq.stdout.toString('latin1'), `stdout differs\n${detail()}`);
      assert.equal(nu.stderr.toString('latin1'), nq.stderr.toString('latin1'), `stderr differs\n${detail()}`);
      assert.equal(nu.status, nq.status, `exit status differs\n${detail()}`);
    });
  }
});

// bash at a terminal: the same keys typed into two tmux panes, one running tuml and one
// the oracle's chroot; the screens must end up the same. setsid -c gives bash the
// terminal as its controlling tty (job control, ^C), as a getty would.
const tmuxSkip = skip ?? (have('tmux') ? undefined : 'tmux not found (apt-get install tmux)');
describe('bash interactive in tmux (build/debian)', { skip: tmuxSkip, concurrency: 1 }, () => {
  const SOCK = `tuml-deb-${process.pid}`;
  const tmux = (...a) => execFileSync('tmux', ['-L', SOCK, '-f', '/dev/null', ...a], { encoding: 'utf8', timeout: 10_000 });
  const work = path.join(DEBIAN, `${WORK}-tty`);
  const bashArgs = ['/usr/bin/setsid', '-c', '-w', '/usr/bin/env', '-i', 'PS1=$ ', 'TERM=xterm', 'HOME=/', '/bin/bash', '--norc', '--noprofile', '-i'];
  const q = (a) => a.map((x) => `'${x.replace(/'/g, `'\\''`)}'`).join(' ');
  before(() => {
    fs.mkdirSync(work, { recursive: true });
    fs.copyFileSync(path.join(REPO, 'tests', 'debian', 'init.sh'), path.join(work, 'init.sh'));
  });
  after(() => {
    spawnSync('tmux', ['-L', SOCK, 'kill-server'], { timeout: 10_000 });
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('a short session: arithmetic, arrays, functions, completion, history, ^C', { timeout: 5 * 60_000 }, async (t) => {
    const init = ['/bin/sh', `${WORK}-tty/init.sh`, ...bashArgs];
    const panes = { tuml: `${q([process.execPath, TUML, 'quiet', 'rootfstype=hostfs', `hostfs=${DEBIAN}`, '--', ...init])}; sleep 600` };
    const oracleWhy = oracleSkip() ?? (have('unshare') ? undefined : 'unshare not found');
    if (!oracleWhy) panes.oracle = `${q(['unshare', '-m', CHROOT, DEBIAN, ...init])}; sleep 600`;
    else t.diagnostic(`oracle skipped: ${oracleWhy}`);
    for (const [name, cmd] of Object.entries(panes)) tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', cmd);
    const names = Object.keys(panes);
    const screen = (n) => tmux('capture-pane', '-p', '-t', n).replace(/\s+$/, '');
    const waitAll = async (what, ok, ms = 120_000) => {
      for (const n of names) {
        const end = Date.now() + ms;
        let s = '';
        for (;;) {
          s = screen(n);
          if (ok(s)) break;
          if (Date.now() > end) assert.fail(`${n}: timed out waiting for ${what}; the screen:\n${s}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    const prompt = (s) => s.split('\n').pop() === '$';
    const count = (s, re) => (s.match(re) ?? []).length;
    const keys = (text, ...k) => { for (const n of names) { if (text) tmux('send-keys', '-t', n, '-l', text); if (k.length) tmux('send-keys', '-t', n, ...k); } };
    await waitAll('the first prompt', prompt, 180_000);
    keys('echo $((6*7))', 'Enter');
    await waitAll('42', (s) => /^42$/m.test(s) && prompt(s));
    keys('a=(x y z); a+=(w); echo ${#a[@]} ${a[1]} ${a[@]: -1}', 'Enter');
    await waitAll('the array', (s) => /^4 y w$/m.test(s) && prompt(s));
    keys('f() { echo "f:$1:$(echo inner)"; }; f arg', 'Enter');
    await waitAll('the function', (s) => /^f:arg:inner$/m.test(s) && prompt(s));
    keys('ech', 'Tab');
    await new Promise((r) => setTimeout(r, 1000));
    keys(' completed', 'Enter');
    await waitAll('completion', (s) => /^completed$/m.test(s) && prompt(s));
    keys('', 'Up', 'Enter');
    await waitAll('history', (s) => count(s, /^completed$/gm) === 2 && prompt(s));
    keys('sleep 100', 'Enter');
    await new Promise((r) => setTimeout(r, 3000));
    keys('', 'C-c');
    await waitAll('^C', (s) => /\^C$/m.test(s) && prompt(s));
    keys('echo status=$?', 'Enter');
    await waitAll('the status', (s) => /^status=130$/m.test(s) && prompt(s));
    const screens = Object.fromEntries(names.map((n) => [n, screen(n)]));
    if (screens.oracle !== undefined) assert.equal(screens.tuml, screens.oracle, `the screens differ\n--- tuml:\n${screens.tuml}\n--- oracle:\n${screens.oracle}`);
    keys('exit', 'Enter');
  });
});
