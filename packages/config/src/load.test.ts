import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defineOptionGroup, opt, types } from '@cellar/plugin-api';
import { formatProblem, loadConfig } from './load.js';
import { formatLocation } from './location.js';
import { OptionRegistry } from './registry.js';
import { renderConfig } from './show.js';
import { collectSources } from './sources.js';

const pg = defineOptionGroup({
  name: 'postgresql',
  side: 'server',
  options: {
    tcp_ports: opt.list(types.portRange(), { help: 'ports', default: [{ from: 5432, to: 5432 }] }),
    root_on_create: opt.bool({ help: 'root', default: false }),
    usage_timeout: opt.duration({
      help: 'wait',
      default: 1800,
      min: 1,
      deprecatedNames: [{ group: 'DEFAULT', name: 'pg_usage_timeout' }],
    }),
    admin_password: opt.str({ help: 'secret', secret: true, regex: /^.{8,}$/ }),
  },
});
const pgGuest = defineOptionGroup({
  name: 'postgresql',
  side: 'guest',
  options: { mount_point: opt.str({ help: 'mount', default: '/var/lib/postgresql' }) },
});
const defaults = defineOptionGroup({
  name: 'DEFAULT',
  side: 'server',
  options: { debug: opt.bool({ help: 'debug', default: false }) },
});
const guestDefaults = defineOptionGroup({
  name: 'DEFAULT',
  side: 'guest',
  options: { guest_id: opt.str({ help: 'id', required: true }) },
});

const registry = new OptionRegistry()
  .register(defaults, 'core')
  .register(pg, 'pg')
  .register(pgGuest, 'pg')
  .register(guestDefaults, 'core');

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellar-config-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

test('precedence: defaults < files (later wins) < config dir (sorted) < environment < --set, with locations', async () => {
  const a = await file('a.conf', '[postgresql]\nroot_on_create = true\ntcp_ports = 1\n');
  const b = await file('b.conf', '[postgresql]\ntcp_ports = 2\n');
  await file('d/20.conf', '[postgresql]\ntcp_ports = 4\n');
  await file('d/10.conf', '[postgresql]\ntcp_ports = 3\nusage_timeout = 10\n');
  await file('d/ignored.txt', '[postgresql]\ntcp_ports = 99\n');
  const load = async (env: Record<string, string>, overrides: string[]) =>
    loadConfig(
      registry,
      'server',
      await collectSources({ configFiles: [a, b], configDirs: [join(dir, 'd')], env, overrides }),
    );

  const fromDir = await load({}, []);
  assert.ok(fromDir.ok);
  assert.deepEqual(fromDir.config.group(pg).tcp_ports, [{ from: 4, to: 4 }]);
  assert.equal(fromDir.config.group(pg).root_on_create, true);
  assert.equal(fromDir.config.group(pg).usage_timeout, 10);

  const fromEnv = await load(
    { CELLAR_POSTGRESQL__TCP_PORTS: '5', CELLAR_APP_ROOT: '/ignored' },
    [],
  );
  assert.ok(fromEnv.ok);
  assert.deepEqual(fromEnv.config.group(pg).tcp_ports, [{ from: 5, to: 5 }]);

  const fromCli = await load({ CELLAR_POSTGRESQL__TCP_PORTS: '5' }, ['postgresql.tcp_ports=6']);
  assert.ok(fromCli.ok);
  assert.deepEqual(fromCli.config.group(pg).tcp_ports, [{ from: 6, to: 6 }]);
  const where = Object.fromEntries(
    fromCli.config.entries().map(([g, k, v]) => [`${g}.${k}`, formatLocation(v.location)]),
  );
  assert.equal(where['postgresql.tcp_ports'], 'flag --set postgresql.tcp_ports');
  assert.equal(where['postgresql.root_on_create'], `${a}:2`);
  assert.equal(where['postgresql.usage_timeout'], `${join(dir, 'd', '10.conf')}:3`);
  assert.equal(where['DEFAULT.debug'], 'default');
  assert.throws(
    () => (fromCli.config.group(pg).tcp_ports as unknown as object[]).push({ from: 1 }),
    TypeError,
  );
});

test('every problem is reported at once, in file order, with file:line and a useful hint', async () => {
  const f = await file(
    'bad.conf',
    [
      '[postgresql]',
      'tcp_ports = 5432,70000',
      'root_on_creat = true',
      'mount_point = /srv',
      '[postgres]',
      'x = 1',
      'y = 2',
      '[DEFAULT]',
      'debug = sometimes',
    ].join('\n'),
  );
  const result = loadConfig(registry, 'server', await collectSources({ configFiles: [f] }));
  assert.ok(!result.ok);
  const lines = result.problems.map(formatProblem);
  assert.deepEqual(lines, [
    `${f}:2: [postgresql] tcp_ports = 5432,70000: item 2 ('70000'): expected a port from 1 to 65535 or a range such as 6000-6010`,
    `${f}:3: unknown option root_on_creat in [postgresql]; did you mean root_on_create?`,
    `${f}:4: [postgresql] mount_point is a guest option: it belongs in cellar-guest.conf, not cellar.conf`,
    `${f}:6: unknown section [postgres]; did you mean [postgresql]? (sections on the server side: DEFAULT, postgresql)`,
    `${f}:9: [DEFAULT] debug = sometimes: expected true or false`,
  ]);
});

test('an indented line after a blank line is reported with its file and line among the other problems', async () => {
  const f = await file(
    'continued.conf',
    '[DEFAULT]\ndebug = true\n\n[postgresql]\n  root_on_create = true\ntcp_ports = 0\n',
  );
  const result = loadConfig(registry, 'server', await collectSources({ configFiles: [f] }));
  assert.ok(!result.ok);
  assert.deepEqual(result.problems.map(formatProblem), [
    `${f}:5: unexpected continuation line 'root_on_create = true': no value is open (a blank line, comment or section header ends one)`,
    `${f}:6: [postgresql] tcp_ports = 0: item 1 ('0'): expected a port from 1 to 65535 or a range such as 6000-6010`,
  ]);
});

test('a server option in the guest file is sent back to cellar.conf; a missing required option is named', async () => {
  const f = await file('guest.conf', '[postgresql]\ntcp_ports = 5432\n');
  const result = loadConfig(registry, 'guest', await collectSources({ configFiles: [f] }));
  assert.ok(!result.ok);
  assert.deepEqual(result.problems.map(formatProblem), [
    `${f}:2: [postgresql] tcp_ports is a server option: it belongs in cellar.conf, not cellar-guest.conf`,
    '[DEFAULT] guest_id is required and not set: id',
  ]);
});

test('secrets never appear: not in errors, not in show', async () => {
  const bad = loadConfig(
    registry,
    'server',
    await collectSources({ overrides: ['postgresql.admin_password=short'] }),
  );
  assert.ok(!bad.ok);
  assert.equal(bad.problems.map(formatProblem).join('\n').includes('short'), false);
  assert.match(formatProblem(bad.problems[0] ?? { message: '' }), /admin_password = \*\*\*\*/);
  const good = loadConfig(
    registry,
    'server',
    await collectSources({ env: { CELLAR_POSTGRESQL__ADMIN_PASSWORD: 'long-enough-secret' } }),
  );
  assert.ok(good.ok);
  const shown = renderConfig(good.config, registry, true);
  assert.match(shown, /admin_password = \*\*\*\* +# environment CELLAR_POSTGRESQL__ADMIN_PASSWORD/);
  assert.equal(shown.includes('long-enough-secret'), false);
});

test('a deprecated name works with a warning naming the new one; setting both is an error', async () => {
  const old = await file('old.conf', '[DEFAULT]\npg_usage_timeout = 60\n');
  const warned = loadConfig(registry, 'server', await collectSources({ configFiles: [old] }));
  assert.ok(warned.ok);
  assert.equal(warned.config.group(pg).usage_timeout, 60);
  assert.deepEqual(warned.warnings.map(formatProblem), [
    `${old}:2: [DEFAULT] pg_usage_timeout is deprecated; use [postgresql] usage_timeout instead`,
  ]);

  const both = await file(
    'both.conf',
    '[DEFAULT]\npg_usage_timeout = 60\n[postgresql]\nusage_timeout = 90\n',
  );
  const refused = loadConfig(registry, 'server', await collectSources({ configFiles: [both] }));
  assert.ok(!refused.ok);
  assert.match(
    formatProblem(refused.problems[0] ?? { message: '' }),
    /\[postgresql\] usage_timeout and \[DEFAULT\] pg_usage_timeout .* both set/,
  );
});

test('missing files and malformed --set flags are problems, not crashes', async () => {
  const result = loadConfig(
    registry,
    'server',
    await collectSources({ configFiles: [join(dir, 'nope.conf')], overrides: ['oops'] }),
  );
  assert.ok(!result.ok);
  assert.deepEqual(result.problems.map(formatProblem), [
    `${join(dir, 'nope.conf')}: cannot read the configuration file: no such file`,
    'flag --set oops: expected --set GROUP.OPTION=VALUE, e.g. --set postgresql.root_on_create=true',
  ]);
});
