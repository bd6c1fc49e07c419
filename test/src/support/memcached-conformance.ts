// A live harness for the conformance kit against the installed memcached plugin: its own manager
// class on fresh directories, memcached on a random loopback address, run as an unprivileged user
// (the Debian package's `memcache`) when the tests run as root, stopped by the manager's PID.

import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Testing from '@cellar/plugin-api/testing';

/** The kit as the deployment's copy of @cellar/plugin-api/testing exports it. */
export type ConformanceKit = typeof Testing;

interface Stoppable {
  prepare(request: { memoryMb: number; databases: []; users: [] }): Promise<void>;
  stopDb(): Promise<void>;
}

function unprivileged(): { uid: number; gid: number } {
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'memcache'], { stdio: 'pipe' }).toString());
  return { uid: id('-u'), gid: id('-g') };
}

export function liveHarnessFor(subject: Testing.DatastoreUnderTest): Testing.LiveHarness {
  const made: { base: string; runDir: string; manager: Stoppable }[] = [];
  return {
    createManager: async () => {
      const base = await mkdtemp('/tmp/cmc-');
      const [mountPoint, runDir, logDir] = ['vol', 'run', 'log'].map((d) => join(base, d)) as [
        string,
        string,
        string,
      ];
      for (const dir of [mountPoint, runDir, logDir]) await mkdir(dir, { mode: 0o700 });
      if (process.getuid?.() === 0) {
        const { uid, gid } = unprivileged();
        for (const dir of [base, mountPoint, runDir, logDir]) await chown(dir, uid, gid);
      }
      const quiet = (): void => undefined;
      const Manager = (subject.guest as { manager: new (context: unknown) => Stoppable }).manager;
      const manager = new Manager({
        datastore: 'memcached',
        guestId: '00000000-0000-4000-8000-00000000c0de',
        options: { memory_ratio: 0.8, max_connections: 64 },
        mountPoint,
        // Away from the local driver's pool, where other deployments' instances listen on 11211.
        address: `127.77.${randomInt(1, 255)}.${randomInt(2, 255)}`,
        runDir,
        logDir,
        log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
      });
      made.push({ base, runDir, manager });
      await manager.prepare({ memoryMb: 64, databases: [], users: [] });
      return manager as unknown as Awaited<ReturnType<Testing.LiveHarness['createManager']>>;
    },
    dispose: async () => {
      for (const { base, runDir, manager } of made.splice(0)) {
        await manager.stopDb().catch(() => undefined);
        // Should stopDb have failed, the server is stopped by the PID the guest recorded.
        const pid = Number(await readFile(join(runDir, 'memcached.pid'), 'utf8').catch(() => ''));
        if (pid > 0) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
        await rm(base, { recursive: true, force: true });
      }
    },
  };
}
