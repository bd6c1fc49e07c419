// The group's values in the option file's syntax: one line each, quoted whole, nothing that
// could start another setting, names checked before anything is written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Json } from '@cellar/plugin-api';
import { checkedValues, renderOptionLines } from './overrides.js';

test('values are rendered one a line, strings quoted whole, booleans ON/OFF', () => {
  assert.equal(
    renderOptionLines({ max_connections: 321, autocommit: false, sql_mode: 'ANSI', x: `a"b\\c` }),
    [
      "# The instance's configuration group.",
      'max_connections = 321',
      'autocommit = OFF',
      'sql_mode = "ANSI"',
      `x = 'a"b\\\\c'`,
      '',
    ].join('\n'),
  );
  assert.equal(renderOptionLines({}), '');
});

test('a line break, both quotes, a bad name or a value of no kind is refused', () => {
  const bads: Record<string, Json>[] = [
    { sql_mode: 'ANSI\ninit_file=/x' },
    { sql_mode: `a'b"c` },
    { 'max_connections = 1\ninit_file': 5 },
    { max_connections: [1] },
  ];
  for (const bad of bads) assert.throws(() => checkedValues(bad), { code: 'CELLAR_BAD_REQUEST' });
  assert.deepEqual(checkedValues({ max_connections: 1, wait_timeout: null }), {
    max_connections: 1,
  });
});
