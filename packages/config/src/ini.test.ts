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
