// The committed Redis catalog keeps out what a tenant must not set, and the probe reads the rule
// from the server's own refusals.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockedBy } from './blocklist.js';
import { configuration } from './index.js';
import { ruleOf, type ConfigCall } from './probe-config.js';

const catalog = configuration.parameters('7.0') ?? [];
const byName = new Map(catalog.map((p) => [p.name, p]));

test('no blocklisted parameter is in the Redis 7.0 catalog', () => {
  assert.ok(catalog.length > 40, `only ${catalog.length} parameters`);
  assert.deepEqual(
    catalog.filter((p) => blockedBy(p.name) !== undefined).map((p) => p.name),
    [],
  );
  for (const name of [
    'replicaof',
    'masterauth',
    'masteruser',
    'requirepass',
    'aclfile',
    'dir',
    'bind',
    'port',
    'enable-debug-command',
    'repl-diskless-sync',
    'tls-ciphers',
  ])
    assert.equal(byName.has(name), false, `${name} must not be settable`);
});

test('maxmemory-policy applies at once with its choices; maxmemory is memory', () => {
  const policy = byName.get('maxmemory-policy');
  assert.equal(policy?.restartRequired, false);
  assert.ok(policy?.choices?.includes('allkeys-lru'));
  assert.equal(byName.get('maxmemory')?.bytesPerUnit, 1);
  assert.deepEqual(
    { min: byName.get('hz')?.min, max: byName.get('hz')?.max },
    { min: 0, max: 2147483647 },
  );
  assert.ok(catalog.every((p) => !p.restartRequired));
});

test('an unknown version has no catalog', () => {
  assert.equal(configuration.parameters('6.0'), undefined);
});

/** A server whose CONFIG SET refuses every value but the current with this message. */
function refusing(messages: Record<string, string>, set: string[][]): ConfigCall {
  return async (...args) => {
    set.push(args);
    const [, name = '', value = ''] = args;
    if (value === 'now') return 'OK';
    const message = messages[value] ?? messages['*'];
    if (message === undefined) return 'OK';
    throw new Error(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${message}`);
  };
}

test('the rule is read from the refusal, and an accepted probe is put back', async () => {
  const set: string[][] = [];
  assert.deepEqual(
    await ruleOf(refusing({ '*': "argument must be 'yes' or 'no'" }, set), 'x', 'now'),
    { name: 'x', restartRequired: false, type: 'boolean' },
  );
  assert.deepEqual(
    await ruleOf(
      refusing(
        {
          'cellar-probe': "argument couldn't be parsed into an integer",
          '-9223372036854775808': 'argument must be between 1 and 99 inclusive',
        },
        set,
      ),
      'n',
      'now',
    ),
    { name: 'n', restartRequired: false, type: 'integer', min: 1, max: 99 },
  );
  assert.deepEqual(
    (
      await ruleOf(
        refusing({ '*': 'argument(s) must be one of the following: a, b' }, set),
        'e',
        'now',
      )
    ).choices,
    ['a', 'b'],
  );
  set.length = 0;
  assert.equal((await ruleOf(refusing({}, set), 's', 'now')).type, 'string');
  assert.deepEqual(set, [
    ['SET', 's', 'cellar-probe'],
    ['SET', 's', 'now'],
  ]);
});
