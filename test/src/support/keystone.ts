// Starts a real Keystone (Debian's python3-keystone) for tests: sqlite backend in its own
// directory, fernet tokens, served by wsgiref on a free loopback port, stopped by PID.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);
/** Debian's interpreter, where python3-keystone is installed (another python3 may come first on PATH). */
const PYTHON = '/usr/bin/python3';

export interface Keystone {
  /** http://127.0.0.1:<port>/v3 */
  readonly url: string;
  /** Password-authenticates and returns the token and the scoped project id. */
  token(
    user: string,
    password: string,
    project: string,
  ): Promise<{ token: string; projectId: string }>;
  /** Runs an admin request against Keystone's API. */
  admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  revoke(token: string): Promise<void>;
  stop(): Promise<void>;
}

const ADMIN_PASSWORD = 'keystone-admin-secret';

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });

/** Keystone's configuration, database, keys and admin in `dir`, for `url`; the environment to run it in. */
async function initialise(dir: string, url: string): Promise<NodeJS.ProcessEnv> {
  const conf = join(dir, 'keystone.conf');
  await writeFile(
    conf,
    [
      '[database]',
      `connection = sqlite:///${join(dir, 'keystone.sqlite')}`,
      '[token]',
      'provider = fernet',
      '[fernet_tokens]',
      `key_repository = ${join(dir, 'fernet-keys')}`,
      '[fernet_receipts]',
      `key_repository = ${join(dir, 'fernet-receipts')}`,
      '[credential]',
      `key_repository = ${join(dir, 'credential-keys')}`,
      '',
    ].join('\n'),
  );
  const env = { PATH: process.env['PATH'] ?? '', HOME: dir, OS_KEYSTONE_CONFIG_FILES: conf };
  const manage = (...args: string[]) =>
    run('keystone-manage', ['--config-file', conf, ...args], { env, cwd: dir });
  await manage('db_sync');
  // Keystone opens overlapping sessions; without WAL the sqlite file locks.
  await run(PYTHON, [
    '-c',
    `import sqlite3; sqlite3.connect(${JSON.stringify(join(dir, 'keystone.sqlite'))}).execute('PRAGMA journal_mode=WAL')`,
  ]);
  // The key repositories belong to whoever runs Keystone: this process's user.
  const owner = [
    '--keystone-user',
    userInfo().username,
    '--keystone-group',
    (await run('id', ['-gn'])).stdout.trim(),
  ];
  await manage('fernet_setup', ...owner);
  await manage('credential_setup', ...owner);
  await manage(
    'bootstrap',
    '--bootstrap-password',
    ADMIN_PASSWORD,
    '--bootstrap-admin-url',
    `${url}/`,
    '--bootstrap-internal-url',
    `${url}/`,
    '--bootstrap-public-url',
    `${url}/`,
    '--bootstrap-region-id',
    'RegionOne',
  );
  return env;
}

/** wsgiref serving Keystone on `port`, until it answers `url`; stopped with SIGTERM by `stop`. */
async function serve(
  dir: string,
  port: number,
  url: string,
  env: NodeJS.ProcessEnv,
): Promise<() => Promise<void>> {
  const server: ChildProcess = spawn(
    PYTHON,
    [
      '-c',
      [
        'import sys; sys.argv = ["keystone"]',
        'from socketserver import ThreadingMixIn',
        'from wsgiref.simple_server import WSGIServer, WSGIRequestHandler, make_server',
        'from keystone.server.wsgi import initialize_public_application',
        'class Server(ThreadingMixIn, WSGIServer): daemon_threads = True',
        'class Quiet(WSGIRequestHandler):',
        '    def log_message(self, *args): pass',
        `make_server("127.0.0.1", ${port}, initialize_public_application(), server_class=Server, handler_class=Quiet).serve_forever()`,
      ].join('\n'),
    ],
    { env, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  server.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (server.exitCode !== null) throw new Error(`it exited with status ${server.exitCode}`);
        return (await fetch(url).catch(() => undefined))?.ok;
      },
      { timeout: 60_000, what: `Keystone to answer on ${url}`, interval: 200 },
    );
  } catch (error) {
    await stop();
    throw new Error(`Keystone did not start on ${url}: ${(error as Error).message}\n${log}`, {
      cause: error,
    });
  }
  return stop;
}

export async function startKeystone(): Promise<Keystone> {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-keystone-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/v3`;
  const stop = await serve(dir, port, url, await initialise(dir, url));
  const token = async (user: string, password: string, project: string) => {
    const res = await fetch(`${url}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: user, domain: { id: 'default' }, password } },
          },
          scope: { project: { name: project, domain: { id: 'default' } } },
        },
      }),
    });
    if (res.status !== 201)
      throw new Error(`Keystone refused ${user}: HTTP ${res.status} ${await res.text()}`);
    return {
      token: res.headers.get('x-subject-token') ?? '',
      projectId: ((await res.json()) as { token: { project: { id: string } } }).token.project.id,
    };
  };
  let adminToken: string | undefined;
  const admin = async (method: string, path: string, body?: unknown) => {
    adminToken ??= (await token('admin', ADMIN_PASSWORD, 'admin')).token;
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'x-auth-token': adminToken, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 400)
      throw new Error(`Keystone ${method} ${path}: HTTP ${res.status} ${text}`);
    return (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
  };
  const revoke = async (subject: string): Promise<void> => {
    adminToken ??= (await token('admin', ADMIN_PASSWORD, 'admin')).token;
    const res = await fetch(`${url}/auth/tokens`, {
      method: 'DELETE',
      headers: { 'x-auth-token': adminToken, 'x-subject-token': subject },
    });
    if (res.status !== 204)
      throw new Error(`Keystone did not revoke the token: HTTP ${res.status}`);
  };
  return { url, token, admin, revoke, stop };
}
