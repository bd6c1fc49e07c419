import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generatedPassword } from './passwords.js';

test('generated passwords have the length asked for, in URL-safe characters, and differ', () => {
  for (const length of [1, 16, 32, 36, 37]) {
    const password = generatedPassword(length);
    assert.equal(password.length, length);
    assert.match(password, /^[A-Za-z0-9_-]+$/);
  }
  assert.notEqual(generatedPassword(32), generatedPassword(32));
});
