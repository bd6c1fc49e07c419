// A new flavor for a Redis instance: the RAM prepare recorded replaced by the new flavor's, from
// which redis.conf (and its maxmemory, config.ts) is rendered at the restart; a server that
// will not start with it gets the previous record back and is started again.

import { readFile } from 'node:fs/promises';
import { GuestError } from '@cellar/plugin-api';
import { message } from './admin-session.js';

export interface ResizeHost {
  readonly settingsFile: string;
  /** Replaces the settings file whole, as prepare writes it. */
  write(text: string): Promise<void>;
  /** Stops the server and starts it again, redis.conf rendered anew. */
  restart(): Promise<void>;
}

/** The recorded settings with `memoryMb` for RAM, the rest kept. */
export function withMemory(settings: string, memoryMb: number): string {
  const recorded = JSON.parse(settings) as Record<string, unknown>;
  return `${JSON.stringify({ ...recorded, memoryMb })}\n`;
}

/** Records `memoryMb` and restarts the server with the settings derived from it. */
export async function startWithMemory(host: ResizeHost, memoryMb: number): Promise<void> {
  const before = await readFile(host.settingsFile, 'utf8');
  await host.write(withMemory(before, memoryMb));
  try {
    await host.restart();
  } catch (error) {
    await host.write(before);
    const back = await host.restart().then(
      () => 'it runs again with the previous settings',
      (again: unknown) => `it did not start with the previous settings either: ${message(again)}`,
    );
    throw new GuestError(
      {
        reason: `Redis did not start with the memory settings of ${memoryMb} MB of RAM (${message(error)}); ${back}.`,
      },
      { cause: error },
    );
  }
}
