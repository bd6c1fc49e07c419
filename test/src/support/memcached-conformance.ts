// A live harness for the conformance kit against the installed memcached plugin: its own manager
// class on fresh directories, memcached on a random loopback address, run as an unprivileged user
// (the Debian package's `memcache`) when the tests run as root, stopped by the manager's PID.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  quietLog,
  randomLoopbackAddress,
  scratchInstance,
  type ScratchInstance,
} from '@cellar/plugin-api/testing';
import type * as Testing from '@cellar/plugin-api/testing';

/** The kit as the deployment's copy of @cellar/plugin-api/testing exports it. */
export type ConformanceKit = typeof Testing;

interface Stoppable {
  prepare(request: { memoryMb: number; databases: []; users: [] }): Promise<void>;
  stopDb(): Promise<void>;
}

export function liveHarnessFor(subject: Testing.DatastoreUnderTest): Testing.LiveHarness {
  const made: { scratch: ScratchInstance; manager: Stoppable }[] = [];
  return {
    createManager: async () => {
      const scratch = await scratchInstance({ prefix: 'cmc-', users: ['memcache'] });
      const Manager = (subject.guest as { manager: new (context: unknown) => Stoppable }).manager;
      const manager = new Manager({
        datastore: 'memcached',
        guestId: '00000000-0000-4000-8000-00000000c0de',
        options: { memory_ratio: 0.8, max_connections: 64 },
        mountPoint: scratch.mountPoint,
        // Away from the local driver's pool, where other deployments' instances listen on 11211.
        address: randomLoopbackAddress(),
        runDir: scratch.runDir,
        logDir: scratch.logDir,
        log: quietLog,
      });
      made.push({ scratch, manager });
      await manager.prepare({ memoryMb: 64, databases: [], users: [] });
      return manager as unknown as Awaited<ReturnType<Testing.LiveHarness['createManager']>>;
    },
    dispose: async () => {
      for (const { scratch, manager } of made.splice(0)) {
        await manager.stopDb().catch(() => undefined);
        // Should stopDb have failed, the server is stopped by the PID the guest recorded.
        const pid = Number(
          await readFile(join(scratch.runDir, 'memcached.pid'), 'utf8').catch(() => ''),
        );
        if (pid > 0) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
        await scratch.remove();
      }
    },
  };
}
