// Quoting: whatever a name or password holds, it reaches PostgreSQL as one identifier or string.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { checkName, ident, literal } from './sql.js';

const badRequest = (error: unknown): boolean =>
  isCellarError(error) && error.code === 'CELLAR_BAD_REQUEST';

test('identifiers are double-quoted with embedded quotes doubled', () => {
  assert.equal(ident('sales'), '"sales"');
  assert.equal(ident('Mixed Case'), '"Mixed Case"');
  assert.equal(ident('a"; DROP ROLE x; --'), '"a""; DROP ROLE x; --"');
  assert.equal(ident('"'), '""""');
});

test('literals are single-quoted with quotes doubled and backslashes left alone', () => {
  assert.equal(literal('plain'), "'plain'");
  assert.equal(literal("it's"), "'it''s'");
  assert.equal(literal("'; DROP ROLE os_admin; --"), "'''; DROP ROLE os_admin; --'");
  assert.equal(literal('back\\slash\\'), "'back\\slash\\'");
  assert.equal(literal(''), "''");
});

test('NUL never reaches SQL: the server would cut the string there', () => {
  assert.throws(() => ident('a\0b'), badRequest);
  assert.throws(() => literal('a\0b'), badRequest);
  assert.throws(() => checkName('User', 'a\0b'), badRequest);
});

test('names longer than 63 bytes are refused rather than truncated by the server', () => {
  assert.equal(checkName('Database', 'd'.repeat(63)), 'd'.repeat(63));
  assert.throws(() => checkName('Database', 'd'.repeat(64)), badRequest);
  // 32 two-byte characters: 64 bytes.
  assert.throws(() => checkName('User', 'é'.repeat(32)), badRequest);
  assert.throws(() => checkName('User', ''), badRequest);
  assert.throws(() => ident(''), badRequest);
});
