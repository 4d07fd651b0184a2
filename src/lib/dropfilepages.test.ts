import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ADDON_PATH, dgramAddon } from '../drivers/unixdgram.js';

// In a child node (not the test runner): the resident file pages before and after
// dropFilePages(), and the process still works (its code and read-only data fault back in).
const CHILD = `
const fs = require('node:fs'), crypto = require('node:crypto');
const rssFile = () => +/RssFile:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1];
const before = rssFile();
const bytes = require(process.argv[1]).dropFilePages();
const after = rssFile();
const hash = crypto.createHash('sha256').update('tuml').digest('hex');
const sorted = [5, 3, 9, 1].sort((a, b) => a - b).join(',');
console.log(JSON.stringify({ before, bytes, after, hash, sorted }));
`;

test('dropFilePages: unmaps the read-only file pages, which fault back in when used', { skip: process.platform !== 'linux' || !dgramAddon()?.dropFilePages }, () => {
  const r = spawnSync(process.execPath, ['-e', CHILD, ADDON_PATH], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.ok(o.bytes > 1e6, `advised ${o.bytes} bytes of mappings`);
  assert.ok(o.after < o.before / 2, `RssFile ${o.before} kB -> ${o.after} kB`);
  assert.equal(o.hash, createHash('sha256').update('tuml').digest('hex'));
  assert.equal(o.sorted, '1,3,5,9');
});
