// cellar-manage and cellar up as an operator uses them from the repository root.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runTool, section } from './support/repo.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellar-manage-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hasOption = (text: string | undefined, key: string): boolean =>
  new RegExp(`^#${key} =( |$)`, 'm').test(text ?? '');

test("the guest sample has each datastore's guest options and none of its server options; the server sample the reverse", async () => {
  const guest = await runTool('cellar-manage', ['config', 'sample', '--side', 'guest']);
  const server = await runTool('cellar-manage', ['config', 'sample', '--side', 'server']);
  assert.equal(guest.code, 0, guest.stderr);
  assert.equal(server.code, 0, server.stderr);
  for (const ds of ['postgresql', 'mysql', 'redis']) {
    const g = section(guest.stdout, ds);
    const s = section(server.stdout, ds);
    assert.ok(g !== undefined && s !== undefined, `[${ds}] is in both samples`);
    for (const key of ['mount_point', 'backup_strategy', 'backup_namespace', 'restore_namespace'])
      assert.ok(hasOption(g, key), `guest [${ds}] ${key}`);
    for (const key of ['tcp_ports', 'udp_ports', 'root_on_create', 'usage_timeout'])
      assert.ok(!hasOption(g, key), `guest [${ds}] has no ${key}`);
    for (const key of [
      'tcp_ports',
      'udp_ports',
      'root_on_create',
      'usage_timeout',
      'backup_strategy',
    ])
      assert.ok(hasOption(s, key), `server [${ds}] ${key}`);
    assert.ok(!hasOption(s, 'mount_point'), `server [${ds}] has no mount_point`);
  }
  assert.match(section(server.stdout, 'postgresql') ?? '', /^#tcp_ports = 5432$/m);
  assert.match(section(server.stdout, 'redis') ?? '', /^#tcp_ports = 6379,16379$/m);
  assert.match(section(guest.stdout, 'mysql') ?? '', /^#mount_point = \/var\/lib\/mysql$/m);
});

test('config check reports a bad port, an unknown key and a guest-only key together, with file and line, and exits non-zero', async () => {
  const file = join(dir, 'cellar.conf');
  await writeFile(
    file,
    [
      '[DEFAULT]',
      'enabled_datastores = postgresql',
      '',
      '[postgresql]',
      'tcp_ports = 5432,70000',
      'root_on_creat = true',
      'mount_point = /srv/pg',
      '',
    ].join('\n'),
  );
  const run = await runTool('cellar-manage', [
    'config',
    'check',
    '--side',
    'server',
    '--config-file',
    file,
  ]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /the server configuration has 3 problem\(s\)/);
  assert.ok(
    run.stderr.includes(
      `${file}:5: [postgresql] tcp_ports = 5432,70000: item 2 ('70000'): expected a port from 1 to 65535`,
    ),
    run.stderr,
  );
  assert.ok(
    run.stderr.includes(
      `${file}:6: unknown option root_on_creat in [postgresql]; did you mean root_on_create?`,
    ),
    run.stderr,
  );
  assert.ok(
    run.stderr.includes(
      `${file}:7: [postgresql] mount_point is a guest option: it belongs in cellar-guest.conf, not cellar.conf`,
    ),
    run.stderr,
  );
  assert.match(
    run.stderr,
    /note: datastore 'redis' \(@cellar\/datastore-redis@0\.1\.0\) is installed but not enabled/,
  );
});

test('a valid file passes the check; an enabled datastore that is not installed does not', async () => {
  const good = join(dir, 'good.conf');
  await writeFile(
    good,
    '[DEFAULT]\nenabled_datastores = postgresql,redis\n[redis]\ntcp_ports = 6379\nusage_timeout = 2m\n',
  );
  const ok = await runTool('cellar-manage', ['config', 'check', '--config-file', good]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /The server configuration is valid/);
  const missing = await runTool('cellar-manage', [
    'config',
    'check',
    '--set',
    'DEFAULT.enabled_datastores=postgresql,cassandra',
  ]);
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /datastore 'cassandra' is enabled in \[DEFAULT\] enabled_datastores but not installed; installed: mysql \(@cellar\/datastore-mysql@0\.1\.0\), postgresql/,
  );
});

test('config show names where every value came from', async () => {
  const file = join(dir, 'show.conf');
  await writeFile(file, '[postgresql]\nroot_on_create = true\n');
  const run = await runTool(
    'cellar-manage',
    ['config', 'show', '--with-locations', '--config-file', file],
    {
      env: { PATH: process.env['PATH'] ?? '', CELLAR_REDIS__USAGE_TIMEOUT: '90' },
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    section(run.stdout, 'postgresql') ?? '',
    new RegExp(`^root_on_create = true +# ${file}:2$`, 'm'),
  );
  assert.match(
    section(run.stdout, 'redis') ?? '',
    /^usage_timeout = 90 +# environment CELLAR_REDIS__USAGE_TIMEOUT$/m,
  );
  assert.match(section(run.stdout, 'mysql') ?? '', /^usage_timeout = 400 +# default$/m);
});

test('plugins list shows the three datastores and the three backup storages; plugins lock writes a lock that is then used', async () => {
  const list = await runTool('cellar-manage', ['plugins', 'list']);
  assert.equal(list.code, 0, list.stderr);
  for (const ds of ['postgresql', 'mysql', 'redis'])
    assert.match(
      list.stdout,
      new RegExp(`^  ${ds} +datastore +@cellar/datastore-${ds}@0\\.1\\.0 +enabled +ok$`, 'm'),
    );
  assert.match(list.stdout, /capabilities: databases, users, user-access, root/);
  for (const storage of ['local', 'swift', 's3'])
    assert.match(
      list.stdout,
      new RegExp(
        `^  ${storage} +backup-storage +@cellar/backup-storage-${storage}@0\\.1\\.0 +${storage === 'local' ? 'default' : 'enabled'} +ok$`,
        'm',
      ),
    );
  // The kind column fits `backup-storage`: every row's package starts in the same column.
  const packageColumns = list.stdout
    .split('\n')
    .filter((line) => / @cellar\//.test(line))
    .map((line) => line.indexOf('@cellar/'));
  assert.equal(packageColumns.length, 6);
  assert.equal(new Set(packageColumns).size, 1, list.stdout);

  const lockFile = join(dir, 'plugins.lock.json');
  const set = ['--set', `plugins.lock_file=${lockFile}`];
  assert.equal((await runTool('cellar-manage', ['plugins', 'lock', '--check', ...set])).code, 1);
  const lock = await runTool('cellar-manage', ['plugins', 'lock', ...set]);
  assert.equal(lock.code, 0, lock.stderr);
  assert.match(lock.stdout, /Wrote .*plugins\.lock\.json: 6 plugin\(s\)/);
  assert.equal((await runTool('cellar-manage', ['plugins', 'lock', '--check', ...set])).code, 0);
  const locked = await runTool('cellar-manage', ['plugins', 'list', ...set]);
  assert.match(locked.stdout, /\(from the lock file\)/);
});

test('cellar up refuses to start on a bad configuration and says why', async () => {
  const run = await runTool('cellar', ['up', '--set', 'postgresql.usage_timeout=never']);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /cellar up: the server configuration has 1 problem\(s\); nothing was started:\n {2}flag --set postgresql\.usage_timeout: \[postgresql\] usage_timeout = never: expected a duration in seconds/,
  );
});
