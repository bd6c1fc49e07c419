import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineOptionGroup, opt } from '@cellar/plugin-api';
import { OptionRegistry } from './registry.js';
import { generateSample } from './sample.js';

test('several owners contribute to one section, as oslo namespaces do; one key has one owner', () => {
  const core = defineOptionGroup({
    name: 'DEFAULT',
    side: 'server',
    options: { debug: opt.bool({ help: 'Debug.', default: false }) },
  });
  const server = defineOptionGroup({
    name: 'DEFAULT',
    side: 'server',
    options: { bind_port: opt.port({ help: 'Port.', default: 8779 }) },
  });
  const registry = new OptionRegistry()
    .register(core, '@cellar/config')
    .register(server, '@cellar/server');
  assert.deepEqual(Object.keys(registry.group('server', 'DEFAULT')?.options ?? {}), [
    'debug',
    'bind_port',
  ]);
  const sample = generateSample(registry, 'server');
  assert.ok(
    sample.indexOf('# From @cellar/config') < sample.indexOf('#debug') &&
      sample.indexOf('#debug') < sample.indexOf('# From @cellar/server'),
  );
  assert.throws(
    () => registry.register(server, '@other/plugin'),
    /option \[DEFAULT\] bind_port \(server\) is declared by both @cellar\/server and @other\/plugin/,
  );
});
