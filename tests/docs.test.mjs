// docs/syscalls.md must match the syscall table it is generated from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('docs/syscalls.md is generated from the current table', () => {
  const script = fileURLToPath(new URL('../scripts/gen-syscall-doc.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
