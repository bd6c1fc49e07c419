// Starts a private RabbitMQ for tests and benchmarks: its own epmd and node on free loopback
// ports, its own state directory, run as the unprivileged rabbitmq user, stopped by PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface Broker {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port below the ephemeral range, with `extra` free ports after it. */
async function freePorts(extra: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 10000);
    let free = true;
    for (let i = 0; i <= extra && free; i++) free = await portIsFree(base + i);
    if (free) return base;
  }
  throw new Error('no free loopback ports found for RabbitMQ');
}

/** True once the broker answers the AMQP protocol header with a method frame. */
function amqpReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'binary')));
    socket.once('data', (data: Buffer) => done(data[0] === 1));
  });
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Stops a server started for a test, by its PID: the given signal, then SIGKILL after the grace time. */
export async function stopChildProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 20_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  if (!(await exited(child, graceMs))) {
    child.kill('SIGKILL');
    await exited(child, 5_000);
  }
}

export async function startRabbitMq(): Promise<Broker> {
  if (!existsSync(SERVER)) {
    throw new Error(
      'rabbitmq-server is not installed: scripts/test installs it (scripts/install-debian-packages rabbitmq-server)',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'cellar-rabbitmq-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'rabbitmq']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'rabbitmq']).toString().trim());
    await chown(dir, uid, gid);
  }
  const port = await freePorts(2);
  const env = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: dir,
    LANG: 'C.UTF-8',
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(port + 2),
    RABBITMQ_NODENAME: `cellar${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(port + 1),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  const asUser = (command: string, args: string[]): ChildProcess =>
    asRoot
      ? spawn(
          'setpriv',
          ['--reuid=rabbitmq', '--regid=rabbitmq', '--init-groups', '--', command, ...args],
          { env, cwd: '/', stdio: 'ignore' },
        )
      : spawn(command, args, { env, cwd: '/', stdio: 'ignore' });
  // Our own epmd, in the foreground: otherwise the server starts one on all interfaces that outlives it.
  const epmd = asUser('epmd', ['-address', '127.0.0.1', '-port', String(port + 2)]);
  const server = asUser(SERVER, []);
  const stop = async (): Promise<void> => {
    await stopChildProcess(server);
    await stopChildProcess(epmd);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) break;
    if (await amqpReady(port))
      return { url: `amqp://guest:guest@127.0.0.1:${port}/`, pid: server.pid ?? -1, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  const log = await readFile(join(dir, 'log', `cellar${port}@localhost.log`), 'utf8').catch(
    () => '(no log)',
  );
  await stop();
  throw new Error(`RabbitMQ did not become ready on 127.0.0.1:${port}:\n${log.slice(-3000)}`);
}
