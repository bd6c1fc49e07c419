// The group's values in redis.conf's syntax, and Cellar's own value read back from above them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Json } from '@cellar/plugin-api';
import { cellarsValue, checkedValues, renderConfLines } from './overrides.js';

test('values are rendered one a line: list words plain, other strings quoted', () => {
  const lines = renderConfLines({
    'maxmemory-policy': 'allkeys-lru',
    activedefrag: true,
    hz: 20,
    'client-output-buffer-limit': 'pubsub 32mb 8mb 60',
    'ignore-warnings': 'a "b" \\c',
  });
  assert.equal(
    lines,
    [
      "# The instance's configuration group.",
      'maxmemory-policy allkeys-lru',
      'activedefrag yes',
      'hz 20',
      'client-output-buffer-limit pubsub 32mb 8mb 60',
      'ignore-warnings "a \\"b\\" \\\\c"',
      '',
    ].join('\n'),
  );
});

test('a line break, a bad name or a value of no kind is refused', () => {
  const bads: Record<string, Json>[] = [
    { 'notify-keyspace-events': 'Ex\nbind 0.0.0.0' },
    { 'hz 1\nbind': 5 },
    { hz: [1] },
  ];
  for (const bad of bads) assert.throws(() => checkedValues(bad), { code: 'CELLAR_BAD_REQUEST' });
});

test("Cellar's own value is read above the group's lines only", () => {
  const conf = 'maxmemory 192mb\nlogfile "/x y/redis.log"\n' + renderConfLines({ maxmemory: 1 });
  assert.equal(cellarsValue(conf, 'maxmemory'), '192mb');
  assert.equal(cellarsValue(conf, 'logfile'), '/x y/redis.log');
  assert.equal(cellarsValue(conf, 'hz'), undefined);
});
