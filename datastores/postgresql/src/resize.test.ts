// cellar.conf's memory settings derived again for a new flavor, the rest of the file untouched.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderCellarConf } from './config.js';
import { withMemory } from './resize.js';

const settings = { address: '127.0.0.1', port: 5432, socketDir: '/run/x' };

test('a new flavor gives cellar.conf the memory lines prepare would have written for its RAM', () => {
  const small = renderCellarConf({ ...settings, memoryMb: 512 });
  const large = renderCellarConf({ ...settings, memoryMb: 4096 });
  assert.equal(withMemory(small, 4096), large);
  assert.match(withMemory(small, 4096), /^shared_buffers = 1024MB$/m);
  assert.equal(withMemory(large, 512), small, 'and back');
});
