// Probes the installed Redis as the live tests run it: a fresh instance in scratch directories,
// an unprivileged user, a loopback address, stopped by its PID; Cellar's own account on its socket.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { liveInstance } from '../testing/live-server.js';
import { probeConfig, type ProbedCatalog } from './probe-config.js';

export async function readServerCatalog(): Promise<ProbedCatalog> {
  const instance = await liveInstance();
  try {
    await instance.manager.prepare({ memoryMb: 512, databases: [], users: [] });
    const client = new Redis({
      path: join(instance.runDir, 'redis.sock'),
      username: 'os_admin',
      password: (await readFile(join(instance.mountPoint, 'admin.secret'), 'utf8')).trim(),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await probeConfig((...args) => client.call('CONFIG', ...args));
    } finally {
      client.disconnect();
    }
  } finally {
    await instance.dispose();
  }
}
