// The group's values in postgresql.conf's syntax: one line each, quoted so no value reaches past
// its line, and names checked before anything is written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Json } from '@cellar/plugin-api';
import { checkedValues, renderOverrides } from './overrides.js';

test('values are rendered one a line, strings quoted, booleans on/off', () => {
  assert.equal(
    renderOverrides({ work_mem: 8192, jit: false, search_path: "a, 'b'", random_page_cost: 1.5 }),
    [
      "# The instance's configuration group, written by the Cellar guest agent; edits are lost.",
      'work_mem = 8192',
      'jit = off',
      "search_path = 'a, ''b'''",
      'random_page_cost = 1.5',
      '',
    ].join('\n'),
  );
});

test('a line break, a bad name or a value of no kind is refused before anything is written', () => {
  const bads: Record<string, Json>[] = [
    { application_name: "x'\nport = 1" },
    { 'work_mem = 1\nport': 5 },
    { work_mem: [1] },
    { work_mem: Number.NaN },
  ];
  for (const bad of bads) assert.throws(() => checkedValues(bad), { code: 'CELLAR_BAD_REQUEST' });
  assert.deepEqual(checkedValues({ work_mem: 1, jit: null }), { work_mem: 1 });
});
