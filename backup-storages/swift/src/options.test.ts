import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brandOf } from '@cellar/plugin-api';
import options from './options.js';

test('[backup_storage_swift] is one group on both sides, its credentials marked secret so they print as ****', () => {
  assert.deepEqual(brandOf(options), {
    contract: 1,
    kind: 'backup.storage.options',
    name: 'swift',
  });
  assert.equal(options.server.name, 'backup_storage_swift');
  assert.equal(options.guest.name, 'backup_storage_swift');
  const secrets = Object.entries(options.server.options)
    .filter(([, o]) => o.secret === true)
    .map(([name]) => name);
  assert.deepEqual(secrets, ['key']);
});
