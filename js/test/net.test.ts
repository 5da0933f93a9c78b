// Electron's `net.isOnline()` and `net.online`.
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import { net } from '../src/index.js';

test('net.isOnline() and net.online say whether any non-loopback interface has an address', () => {
  const expected = Object.values(networkInterfaces())
    .flat()
    .some((address) => address !== undefined && !address.internal);
  assert.equal(net.isOnline(), expected);
  assert.equal(net.online, expected);
  assert.equal(typeof net.online, 'boolean');
  // Read-only, as in Electron.
  assert.throws(() => {
    (net as { online: boolean }).online = !expected;
  }, TypeError);
});
