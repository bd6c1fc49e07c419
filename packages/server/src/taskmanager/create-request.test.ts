import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newInstanceKey } from '../secrets.js';
import { createArguments, storeCreateRequest } from './create-request.js';

test("a create-time user's access rules reach the prepare arguments", () => {
  const controlKey = newInstanceKey();
  const stored = storeCreateRequest(controlKey, {
    databases: [],
    users: [{ name: 'reader', password: 'reader-pw-41d0', rules: '~app:* +get' }],
  });
  const args = createArguments(controlKey, { id: 'op-1', ...stored });
  assert.deepEqual(args.users, [
    { name: 'reader', password: 'reader-pw-41d0', rules: '~app:* +get' },
  ]);
});
