import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineOptionGroup, opt } from '@cellar/plugin-api';
import { OptionRegistry } from './registry.js';
import { generateSample } from './sample.js';
import { parseIni } from './ini.js';

const group = defineOptionGroup({
  name: 'redis',
  side: 'guest',
  options: {
    tuned: opt.int({ help: 'An advanced knob.', default: 3, advanced: true }),
    mount_point: opt.str({
      help: 'Where the data volume is mounted. This help text is long enough that it has to be wrapped over more than one line of the sample.',
      default: '/var/lib/redis',
      deprecatedNames: [{ group: 'DEFAULT', name: 'redis_mount' }],
    }),
    password: opt.str({ help: 'A secret.', secret: true, default: 'hunter22' }),
    computed: opt.str({ help: 'Set per host.', sampleDefault: '<this host>' }),
  },
});

test('samples wrap help at 70 columns, show type, deprecated names, masked secrets, and put advanced options last', () => {
  const sample = generateSample(new OptionRegistry().register(group, '@example/redis'), 'guest');
  const helpLines = sample
    .split('\n')
    .slice(3)
    .filter((line) => line.startsWith('#'));
  assert.deepEqual(
    helpLines.filter((line) => line.length > 70),
    [],
  );
  assert.match(sample, /# From @example\/redis/);
  assert.match(
    sample,
    /# Deprecated group\/name - \[DEFAULT\]\/redis_mount\n#mount_point = \/var\/lib\/redis/,
  );
  assert.match(sample, /#password = \*\*\*\*/);
  assert.match(sample, /#computed = <this host>/);
  assert.ok(sample.indexOf('#tuned = 3') > sample.indexOf('#computed'), 'advanced option last');
  assert.match(sample, /# Advanced Option: intended for advanced users/);
  assert.deepEqual(
    parseIni(sample).problems,
    [],
    'the sample is itself a valid configuration file',
  );
});
