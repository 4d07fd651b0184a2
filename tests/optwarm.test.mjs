// Page faults count as kernel work for the optimizer's warm-up (machine/optwarm.ts
// FAULT_WORK): a program that only touches fresh memory ends it. Read from `stats`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGuests, have, makeProgramRoot, runTuml, scratch, skipReason } from './lib/guest.mjs';

const CC = 'riscv64-linux-gnu-gcc';
const skip = skipReason([[have(CC), `${CC} not found (apt-get install gcc-riscv64-linux-gnu libc6-dev-riscv64-cross)`]]) ?? buildGuests();

/** The `optimizer=` word of tuml's stats after touchpages touches `pages` pages. */
function optimizerAfter(pages) {
  const s = scratch();
  try {
    makeProgramRoot(s.dir, 'touchpages');
    const r = runTuml(s.dir, '/t/touchpages', ['work', String(pages)], { kernelArgs: ['stats'] });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.match(r.stdout.toString(), new RegExp(`^touched ${pages} pages [^]*^PASSED`, 'm'));
    return /optimizer=(\w+)/.exec(r.stderr.toString())?.[1];
  } finally { s.cleanup(); }
}

test('page faults end the optimizer warm-up; a short program leaves it on', { skip }, () => {
  assert.equal(optimizerAfter(8000), 'on', '8,000 faults are 2M units of work');
  assert.equal(optimizerAfter(10), 'off', 'a program of a few thousand instructions');
});
