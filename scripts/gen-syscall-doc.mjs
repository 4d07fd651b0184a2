#!/usr/bin/env node
// Generates docs/syscalls.md from the syscall table (dist/syscalls/table.js).
// `node scripts/gen-syscall-doc.mjs --check` exits 1 when the file is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { TABLE } = await import(new URL('../dist/syscalls/table.js', import.meta.url));
const { NR } = await import(new URL('../dist/abi/linux/unistd.js', import.meta.url));

export function render() {
  const known = new Set(Object.values(NR));
  const rows = [];
  const count = { supported: 0, partial: 0, enosys: 0 };
  for (let nr = 0; nr < TABLE.length; nr++) {
    if (!known.has(nr)) continue;
    const d = TABLE[nr];
    count[d.status]++;
    rows.push(`| ${nr} | ${d.name} | ${d.status} | ${(d.note ?? '').replace(/\|/g, '\\|')} |`);
  }
  return [
    '# Syscalls',
    '',
    'Generated from `src/syscalls/table.ts` by `npm run docs`; do not edit by hand.',
    'Every riscv64 syscall number is listed. `enosys` calls return ENOSYS.',
    '',
    `Supported: ${count.supported}, partial: ${count.partial}, not implemented: ${count.enosys}.`,
    '',
    '| nr | name | status | note |',
    '|---:|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

const out = `${root}docs/syscalls.md`;
const text = render();
if (process.argv.includes('--check')) {
  let cur = '';
  try { cur = readFileSync(out, 'utf8'); } catch { /* missing */ }
  if (cur !== text) { console.error('docs/syscalls.md is out of date: run npm run docs'); process.exit(1); }
} else {
  writeFileSync(out, text);
}
