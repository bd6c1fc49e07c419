// The agent's command line: repeated options keep their order, both `--opt value` and
// `--opt=value` forms work, and anything else is a problem naming the argument.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAgentArgv } from './agent-argv.js';

test('the agent reads repeated --config-file and --set in order, in both spellings', () => {
  assert.deepEqual(
    parseAgentArgv([
      '--config-file',
      '/etc/a.conf',
      '--set',
      'DEFAULT.debug=true',
      '--config-file=/etc/b.conf',
      '--set=rpc.transport=local',
    ]),
    {
      configFiles: ['/etc/a.conf', '/etc/b.conf'],
      overrides: ['DEFAULT.debug=true', 'rpc.transport=local'],
    },
  );
  assert.deepEqual(parseAgentArgv([]), { configFiles: [], overrides: [] });
});

test('the agent refuses an unknown option, a stray word and an option without its value', () => {
  for (const [argv, named] of [
    [['--verbose'], '--verbose'],
    [['extra.conf'], 'extra.conf'],
    [['--config-file'], '--config-file'],
  ] as const) {
    const parsed = parseAgentArgv(argv);
    assert.ok('problem' in parsed, `${argv.join(' ')} was accepted`);
    assert.match(parsed.problem, new RegExp(named.replaceAll('.', '\\.')));
    assert.match(parsed.problem, /--config-file <file> and --set <group\.option=value>/);
  }
});
