// The identifier quoting the guest's SQL relies on: backticks doubled, wildcards escaped in grants,
// and names a server would misread refused before they reach it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { checkName, grantDatabase, ident, unescapeGrantDatabase } from './sql.js';

const badRequest = (error: unknown): boolean =>
  isCellarError(error) && error.code === 'CELLAR_BAD_REQUEST';

test('ident doubles backticks so a name cannot close its quotes', () => {
  assert.equal(ident('shop'), '`shop`');
  assert.equal(ident('a`b'), '`a``b`');
  assert.equal(ident('x`; DROP DATABASE mysql; --'), '`x``; DROP DATABASE mysql; --`');
  assert.equal(ident('it\'s \\ /* -- "'), '`it\'s \\ /* -- "`');
});

test('ident refuses empty names, NUL and a trailing space', () => {
  assert.throws(() => ident(''), badRequest);
  assert.throws(() => ident('a\0b'), badRequest);
  assert.throws(() => ident('a '), badRequest);
});

test('grantDatabase escapes the wildcards and the escape character, and reads back', () => {
  assert.equal(grantDatabase('db_1%'), '`db\\_1\\%`');
  assert.equal(grantDatabase('a\\b`c'), '`a\\\\b``c`');
  for (const name of ['db_1%', 'a\\b', 'plain', '\\_'])
    assert.equal(
      unescapeGrantDatabase(grantDatabase(name).slice(1, -1).replaceAll('``', '`')),
      name,
    );
});

test('checkName counts characters, not bytes, and refuses NUL', () => {
  assert.equal(checkName('Database', 'é'.repeat(64), 64), 'é'.repeat(64));
  assert.throws(() => checkName('Database', 'x'.repeat(65), 64), badRequest);
  assert.throws(() => checkName('User', 'a\0', 80), badRequest);
  assert.throws(() => checkName('Host', '', 255), badRequest);
});
