// bench/provision's Redis entry: redis-server from a config file with requirepass, loopback only and
// no save points (an ephemeral server must be able to stop), the user made as an ACL user, and the
// first PING as that user with `redis-cli`.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PASSWORD, poll, run, runAs, startServer, type ProvisionEntry } from './common.js';

const SERVER = '/usr/bin/redis-server';
const CLI = '/usr/bin/redis-cli';

/** `redis-cli -e` (non-zero on an error reply); true when it answers `expect`. */
async function cli(
  host: string,
  port: number,
  auth: { user?: string; password: string },
  args: readonly string[],
  expect: string,
): Promise<boolean> {
  const { stdout } = await run(
    CLI,
    [
      '-e',
      '-h',
      host,
      '-p',
      String(port),
      ...(auth.user === undefined ? [] : ['--user', auth.user]),
      ...args,
    ],
    { env: { PATH: '/usr/bin:/bin', REDISCLI_AUTH: auth.password } },
  );
  return stdout.trim() === expect;
}

export const redis: ProvisionEntry = {
  datastore: 'redis',
  title: 'Redis',
  binaries: () => [
    { path: SERVER, debianPackage: 'redis-server' },
    { path: CLI, debianPackage: 'redis-tools' },
  ],
  port: 6379,
  target: { kind: 'within', ms: 100 },
  request: (login, password) => ({ users: [{ name: login, password }] }),
  bare: async ({ dir, port, user, login, password }) => {
    const conf = join(dir, 'redis.conf');
    await writeFile(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'protected-mode yes',
        'daemonize no',
        `dir ${dir}`,
        `requirepass ${PASSWORD}-root`,
        'maxmemory 64mb',
        'save ""',
        'appendonly no',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    const server = startServer(SERVER, [conf], runAs(user));
    const root = { password: `${PASSWORD}-root` };
    await poll(
      'bare redis-server',
      () => cli('127.0.0.1', port, root, ['PING'], 'PONG'),
      server.child,
    );
    await cli(
      '127.0.0.1',
      port,
      root,
      ['ACL', 'SETUSER', login, 'on', `>${password}`, '~*', '+@all', '-@dangerous'],
      'OK',
    );
    return server;
  },
  firstQuery: (host, port, login, password) =>
    poll(`Redis at ${host}:${port}`, () =>
      cli(host, port, { user: login, password }, ['PING'], 'PONG'),
    ),
};
