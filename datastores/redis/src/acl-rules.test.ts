import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCellarError } from '@cellar/plugin-api';
import { aclRules, DEFAULT_RULES, ENFORCED_RULES, shownRules } from './acl-rules.js';

const refused = new Set(['acl', 'config|set', 'config|get', 'flushall', 'keys', 'shutdown']);
const badRequest =
  (pattern: RegExp) =>
  (error: unknown): boolean =>
    isCellarError(error) && error.code === 'CELLAR_BAD_REQUEST' && pattern.test(error.message);

test('rules without a password, state or admin grant go to ACL SETUSER one token each, the enforced denials last', () => {
  assert.deepEqual(aclRules('~app:*  +@read +@write -@dangerous %R~cache:* &news +get', refused), [
    '~app:*',
    '+@read',
    '+@write',
    '-@dangerous',
    '%R~cache:*',
    '&news',
    '+get',
    ...ENFORCED_RULES,
  ]);
});

test('a user without rules gets the safe defaults', () => {
  assert.deepEqual(aclRules(undefined, refused), [...DEFAULT_RULES.split(' '), ...ENFORCED_RULES]);
  assert.deepEqual(aclRules('  ', refused), [...DEFAULT_RULES.split(' '), ...ENFORCED_RULES]);
});

test('rule tokens that would grant more than data access are refused, each named', () => {
  for (const token of ['>secret', '<secret', '#abc', '!abc']) {
    assert.throws(
      () => aclRules(`~app:* ${token}`, refused),
      (error: unknown) =>
        badRequest(/passwords .* are not rules/)(error) &&
        !(error as Error).message.includes(token.slice(1)),
      token,
    );
  }
  for (const token of [
    'nopass',
    'resetpass',
    'on',
    'off',
    'reset',
    'allcommands',
    '+@all',
    '+@admin',
    '+@dangerous',
    '+@scripting',
    '+acl',
    '+config',
    '+config|set',
    '+flushall',
    '+function',
    '+function|flush',
    '(~x',
    'clearselectors',
    '~',
    '+GET;',
  ]) {
    assert.throws(
      () => aclRules(`~app:* ${token}`, refused),
      badRequest(new RegExp(`'${token.replace(/[()|+]/g, '\\$&')}'`)),
      token,
    );
  }
});

test('denials of administrative commands are accepted: they grant nothing', () => {
  assert.deepEqual(aclRules('~* -@all -config -flushall +get', refused), [
    '~*',
    '-@all',
    '-config',
    '-flushall',
    '+get',
    ...ENFORCED_RULES,
  ]);
});

test('ACL LIST lines are shown without state or password hashes', () => {
  assert.deepEqual(shownRules('user app on #9f86d0 ~app:* resetchannels -@all +@read'), {
    name: 'app',
    rules: '~app:* resetchannels -@all +@read',
  });
});
