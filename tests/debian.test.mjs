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
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  BUILD, CC, GUEST_ENV, IN_CI, REPO, TIMEOUT_MS, describeRun, ensureBinfmt, exitStatus, have, runTuml, tumlBuilt,
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

const skip = setupSkip();
describe('Debian riscv64 userland (build/debian)', { skip }, () => {
  const work = path.join(DEBIAN, WORK);
  let buildError;
  before(() => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });
    fs.writeFileSync(path.join(work, 'secret'), 'x\n', { mode: 0o600 });
    const src = path.join(REPO, 'tests', 'debian');
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
});
