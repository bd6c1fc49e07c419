// The third-party memcached plugin's guest half finding its server again by pid file: a real
// memcached working in the instance directory is the instance's; one that took a stale PID while
// working elsewhere (another tenant's) is not, so stop_db never signals it.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { freePort } from '@cellar/server/testing';
import { repoRoot } from './support/repo.js';
import { waitFor } from './support/wait-for.js';

const skip: string | false = existsSync('/usr/bin/memcached')
  ? false
  : 'memcached is not installed (apt-get install memcached)';

interface MemcachedProcess {
  running(): number | undefined;
}
type Constructors = {
  InstanceFiles: new (context: { mountPoint: string; runDir: string; logDir: string }) => object;
  MemcachedProcess: new (files: object, address: string) => MemcachedProcess;
};

async function plugin(): Promise<Constructors> {
  const lib = join(repoRoot, 'examples', 'cellar-datastore-memcached', 'lib');
  const { InstanceFiles } = (await import(join(lib, 'instance-files.js'))) as Constructors;
  const { MemcachedProcess } = (await import(join(lib, 'memcached-process.js'))) as Constructors;
  return { InstanceFiles, MemcachedProcess };
}

/** A real memcached on loopback working in `cwd`, ended by its PID when the test ends. */
async function memcachedIn(t: TestContext, cwd: string): Promise<number> {
  const args = ['-l', '127.0.0.1', '-p', String(await freePort()), '-U', '0'];
  // memcached refuses to run as root unless told whom to run as.
  if (process.getuid?.() === 0) args.push('-u', 'nobody');
  const child = spawn('/usr/bin/memcached', args, { cwd, stdio: 'ignore' });
  const pid = child.pid;
  assert.ok(pid !== undefined, 'memcached started');
  t.after(() => {
    child.kill('SIGKILL');
  });
  await waitFor(
    async () =>
      (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === 'memcached',
    { timeout: 5_000, what: 'memcached to run', interval: 10 },
  );
  return pid;
}

test(
  "a memcached that took a stale PID but works outside the instance's directory is not the instance's server",
  { skip },
  async (t) => {
    const base = await mkdtemp(join(tmpdir(), 'cellar-memcached-pid-'));
    t.after(() => rm(base, { recursive: true, force: true }));
    const context = {
      mountPoint: join(base, 'mnt'),
      runDir: join(base, 'run'),
      logDir: join(base, 'log'),
    };
    for (const dir of Object.values(context)) await mkdir(dir);
    const { InstanceFiles, MemcachedProcess } = await plugin();
    const server = new MemcachedProcess(new InstanceFiles(context), '127.0.0.1');
    const pidFile = join(context.runDir, 'memcached.pid');

    const ours = await memcachedIn(t, context.mountPoint);
    await writeFile(pidFile, `${ours}\n`);
    assert.equal(server.running(), ours, 'the memcached working in the instance directory');

    const anothers = await memcachedIn(t, base);
    await writeFile(pidFile, `${anothers}\n`);
    assert.equal(server.running(), undefined, "another tenant's memcached is not ours to stop");
  },
);
