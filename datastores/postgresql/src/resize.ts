// A new flavor for a PostgreSQL instance: cellar.conf's memory settings derived again from the
// new RAM (as prepare derives them) and the server restarted; a server that will not start with
// them gets the previous file back and is started again, and the resize fails saying why.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GuestError } from '@cellar/plugin-api';
import { writeOwned, type OsUser } from '@cellar/plugin-api/processes';
import { message } from './admin-session.js';
import { CELLAR_CONF, memorySettings } from './config.js';

/** cellar.conf's memory lines for `memoryMb`, in the order and units renderCellarConf writes them. */
export function memoryLines(memoryMb: number): Readonly<Record<string, string>> {
  const m = memorySettings(memoryMb);
  return {
    max_connections: `${m.maxConnections}`,
    shared_buffers: `${m.sharedBuffersMb}MB`,
    effective_cache_size: `${m.effectiveCacheSizeMb}MB`,
    work_mem: `${m.workMemKb}kB`,
    maintenance_work_mem: `${m.maintenanceWorkMemMb}MB`,
  };
}

/** cellar.conf with its memory settings for `memoryMb`, everything else as prepare wrote it. */
export function withMemory(conf: string, memoryMb: number): string {
  let text = conf;
  for (const [name, value] of Object.entries(memoryLines(memoryMb))) {
    const line = new RegExp(`^${name} = .*$`, 'm');
    text = line.test(text)
      ? text.replace(line, `${name} = ${value}`)
      : `${text.trimEnd()}\n${name} = ${value}\n`;
  }
  return text;
}

export interface ResizeHost {
  readonly dataDir: string;
  readonly user: OsUser | undefined;
  /** Stops the server and starts it again, reading cellar.conf anew. */
  restart(): Promise<void>;
}

/** The memory settings of `memoryMb` in cellar.conf, and the server restarted with them. */
export async function startWithMemory(host: ResizeHost, memoryMb: number): Promise<void> {
  const path = join(host.dataDir, CELLAR_CONF);
  const before = await readFile(path, 'utf8');
  await writeOwned(path, withMemory(before, memoryMb), host.user);
  try {
    await host.restart();
  } catch (error) {
    await writeOwned(path, before, host.user);
    const back = await host.restart().then(
      () => 'it runs again with the previous settings',
      (again: unknown) => `it did not start with the previous settings either: ${message(again)}`,
    );
    throw new GuestError(
      {
        reason: `PostgreSQL did not start with the memory settings of ${memoryMb} MB of RAM (${message(error)}); ${back}.`,
      },
      { cause: error },
    );
  }
}
