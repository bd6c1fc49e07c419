// A Swift all-in-one on 127.0.0.1 for tests: memcached and the proxy, account, container and
// object servers of Debian's swift packages, with tempauth and s3api. Stopped by PID, dir removed.
//
// <dir>/etc   rings and server configurations (swift_dir); /etc/swift/swift.conf stays global
// <dir>/node  the one device `d1`        <dir>/log  each server's stderr (`-v`)   <dir>/run  pids

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRings, writeConfigs, type SwiftPorts } from './swift-aio-config.js';

/** The Debian packages the all-in-one runs from. */
export const swiftPackages = [
  'swift',
  'swift-proxy',
  'swift-account',
  'swift-container',
  'swift-object',
  'python3-swift',
  'memcached',
];

export interface SwiftAccount {
  readonly account: string;
  readonly user: string;
  readonly key: string;
}

export interface SwiftAio {
  readonly dir: string;
  /** `http://127.0.0.1:<port>`: S3 is served here, Swift under /v1 and tempauth at /auth/v1.0. */
  readonly endpoint: string;
  readonly authUrl: string;
  /** A `.reseller_admin`, which may write into any project's account (AUTH_<project>). */
  readonly admin: SwiftAccount;
  /** An ordinary `.admin` of account AUTH_test. */
  readonly tester: SwiftAccount;
  stop(): Promise<void>;
}

/** Why the all-in-one cannot run here, or undefined when it can. */
export function swiftUnavailable(): string | undefined {
  const missing = ['/usr/bin/swift-proxy-server', '/usr/bin/memcached', '/etc/swift/swift.conf'];
  const gone = missing.filter((f) => !existsSync(f));
  return gone.length === 0
    ? undefined
    : `Swift is not installed (${gone.join(', ')} missing); run scripts/install-debian-packages ${swiftPackages.join(' ')}`;
}

/** scripts/install-debian-packages of the Cellar checkout this package is part of, if any. */
function installScript(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const script = join(dir, 'scripts', 'install-debian-packages');
    if (existsSync(script)) return script;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * Installs Swift's Debian packages when they are missing and this runs as root in a Cellar
 * checkout (as scripts/test does); returns why the all-in-one cannot run, or undefined.
 */
export function ensureSwift(): string | undefined {
  const missing = swiftUnavailable();
  const script = installScript();
  if (missing === undefined || script === undefined || process.getuid?.() !== 0) return missing;
  const installed = spawnSync(script, swiftPackages, { stdio: ['ignore', 'inherit', 'inherit'] });
  return installed.status === 0 ? swiftUnavailable() : `${missing} (installing them failed)`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

/** As root the servers run as Debian's `swift` user; otherwise as whoever runs the tests. */
const runAsSwift = process.getuid?.() === 0;

function launch(dir: string, name: string, command: string, args: readonly string[]): ChildProcess {
  const log = openSync(join(dir, 'log', `${name}.log`), 'a');
  const argv = runAsSwift
    ? ['setpriv', '--reuid=swift', '--regid=swift', '--init-groups', '--', command, ...args]
    : [command, ...args];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', log, log] });
  closeSync(log);
  return child;
}

async function ready(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitReady(ports: SwiftPorts, tester: SwiftAccount, dir: string): Promise<void> {
  const base = 'http://127.0.0.1';
  const deadline = Date.now() + 60_000;
  for (;;) {
    const checks = await Promise.all([
      ready(`${base}:${ports.proxy}/auth/v1.0`, {
        'X-Auth-User': `${tester.account}:${tester.user}`,
        'X-Auth-Key': tester.key,
      }),
      ...[ports.account, ports.container, ports.object].map((p) =>
        ready(`${base}:${p}/healthcheck`),
      ),
    ]);
    if (checks.every(Boolean)) return;
    if (Date.now() > deadline)
      throw new Error(`the Swift all-in-one did not answer within 60 s:\n${await logTails(dir)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The last lines of every server's log, for a start-up failure (the directory goes with it). */
async function logTails(dir: string): Promise<string> {
  const tails = await Promise.all(
    ['memcached', 'account', 'container', 'object', 'proxy'].map(async (name) => {
      const text = await readFile(join(dir, 'log', `${name}.log`), 'utf8').catch(() => '');
      return `--- ${name}:\n${text.split('\n').slice(-8).join('\n')}`;
    }),
  );
  return tails.join('\n');
}

/** Stops the children by PID: SIGTERM, SIGKILL after 10 s; as their parent, Node reaps them. */
async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

async function prepareDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-swift-aio-'));
  for (const sub of ['etc', 'node/d1', 'log', 'run'])
    await mkdir(join(dir, sub), { recursive: true });
  // The servers run as `swift`: the directory must be theirs and its parent traversable.
  await chmod(dir, 0o755);
  if (runAsSwift) spawnSync('chown', ['-R', 'swift:swift', dir]);
  return dir;
}

/** Starts an all-in-one (≈5 s on two busy cores); stop() removes every trace of it. */
export async function startSwiftAio(): Promise<SwiftAio> {
  const dir = await prepareDir();
  const ports: SwiftPorts = {
    proxy: await freePort(),
    account: await freePort(),
    container: await freePort(),
    object: await freePort(),
    memcached: await freePort(),
  };
  const key = (): string => `key-${randomBytes(9).toString('hex')}`;
  const admin = { account: 'admin', user: 'admin', key: key() };
  const tester = { account: 'test', user: 'tester', key: key() };
  await writeConfigs(dir, ports, [
    `user_admin_admin = ${admin.key} .admin .reseller_admin`,
    `user_test_tester = ${tester.key} .admin`,
  ]);
  await buildRings(join(dir, 'etc'), ports);
  if (runAsSwift) spawnSync('chown', ['-R', 'swift:swift', dir]);
  const children = [
    launch(dir, 'memcached', 'memcached', [
      '-l',
      '127.0.0.1',
      '-p',
      String(ports.memcached),
      '-U',
      '0',
      '-m',
      '64',
    ]),
    ...(['account', 'container', 'object', 'proxy'] as const).map((kind) =>
      launch(dir, kind, `/usr/bin/swift-${kind}-server`, [
        join(dir, 'etc', `${kind}-server.conf`),
        '-v',
      ]),
    ),
  ];
  const stop = async (): Promise<void> => {
    await stopAll(children);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(ports, tester, dir);
  } catch (error) {
    await stop();
    throw error;
  }
  const endpoint = `http://127.0.0.1:${ports.proxy}`;
  return { dir, endpoint, authUrl: `${endpoint}/auth/v1.0`, admin, tester, stop };
}
