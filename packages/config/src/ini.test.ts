import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIni } from './ini.js';

test('oslo INI syntax: sections, comments, both separators, quotes and continuation lines', () => {
  const { entries, problems } = parseIni(
    [
      '# comment',
      '[DEFAULT]',
      'debug = true',
      '; another',
      '[postgresql]',
      'tcp_ports: 5432,',
      '  6000-6010',
      'mount_point = "/srv/pg"',
      'connection = postgresql://u:p@h/db',
      '',
    ].join('\n'),
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    entries.map((e) => [e.section, e.key, e.value, e.line]),
    [
      ['DEFAULT', 'debug', 'true', 3],
      ['postgresql', 'tcp_ports', '5432,\n6000-6010', 6],
      ['postgresql', 'mount_point', '/srv/pg', 8],
      ['postgresql', 'connection', 'postgresql://u:p@h/db', 9],
    ],
  );
});

test('settings before a section and malformed lines are problems with their line', () => {
  const { problems } = parseIni('debug = true\n[ok]\nnot a setting\n[]\n');
  assert.deepEqual(
    problems.map((p) => p.line),
    [1, 3, 4],
  );
  assert.match(problems[0]?.message ?? '', /before any \[section\]/);
});

test('a blank line ends a value: an indented line after it is an unexpected continuation, not glued on', () => {
  const { entries, problems } = parseIni('[a]\nx = 1\n\n[b]\n  y = 2\n[c]\nz = 3\n\n  w = 4\n');
  assert.deepEqual(
    entries.map((e) => [e.section, e.key, e.value]),
    [
      ['a', 'x', '1'],
      ['c', 'z', '3'],
    ],
  );
  assert.deepEqual(
    problems.map((p) => [p.line, p.message]),
    [
      [
        5,
        "unexpected continuation line 'y = 2': no value is open (a blank line, comment or section header ends one)",
      ],
      [
        9,
        "unexpected continuation line 'w = 4': no value is open (a blank line, comment or section header ends one)",
      ],
    ],
  );
});
