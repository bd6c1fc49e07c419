// A published guest log read back from the backup storage, for users without storage credentials:
// the objects under the log's prefix in the instance's project, oldest first, or their last lines.
// The metafile the guest writes with each publish says whether non-admins may read the log.

import type { Readable } from 'node:stream';
import {
  BackupStorageNotConfigured,
  DatastoreOperationNotSupported,
  guestLogKey,
  guestLogPlace,
  NotFound,
  type BackupStorage,
} from '@cellar/plugin-api';
import { withStorage } from '../backups/storages.js';
import type { Caller, InstanceDeps } from '../instances/deps.js';
import type { InstanceRef } from '../instances/guest-resources.js';
import { loadInstance } from '../instances/lookup.js';
import { isAdmin } from '../policy/admin-context.js';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The last `lines` lines of the text (all of it when it has fewer). */
export function lastLines(all: string, lines: number): string {
  const split = all.split('\n');
  if (split.at(-1) === '') split.pop();
  return split.length === 0 ? '' : `${split.slice(-lines).join('\n')}\n`;
}

/** The log's published text; with `lines`, only its last lines (read from the newest objects). */
export async function readPublishedLog(
  deps: InstanceDeps,
  caller: Caller,
  ref: InstanceRef,
  name: string,
  lines?: number,
): Promise<string> {
  const row = await loadInstance(deps.db, ref.tenant, ref.id);
  if (!deps.datastores.get(row.datastore)?.capabilities.includes('guest-logs'))
    throw new DatastoreOperationNotSupported({
      operation: 'guest_log_list',
      datastore: row.datastore,
    });
  const storages = deps.storages;
  if (!storages)
    throw new BackupStorageNotConfigured({
      reason: 'no backup storage is configured, and guest logs are published to it',
    });
  const place = guestLogPlace(row.id, row.datastore, name);
  const nothing = new NotFound({
    resource: 'Published log',
    id: `${name} of instance ${row.id} (publish it first: POST /instances/${row.id}/log with "publish": 1)`,
  });
  return withStorage(storages, storages.defaultName, async (storage) => {
    const meta = await metafile(storage, row.tenant_id, guestLogKey(place.metafile));
    if (!meta || (meta.exposed !== true && !isAdmin(caller))) throw nothing;
    const prefix = guestLogKey(place.prefix);
    const objects = (await storage.list(row.tenant_id, prefix))
      .filter((o) => o.key.startsWith(prefix))
      .sort((a, b) => a.key.localeCompare(b.key));
    const parts: string[] = [];
    let count = 0;
    // Newest first until enough lines are read; all of them without `lines`.
    for (const object of objects.reverse()) {
      const part = await text(await storage.get(object.location));
      parts.unshift(part);
      count += part.split('\n').length - 1;
      if (lines !== undefined && count >= lines) break;
    }
    const all = parts.join('');
    return lines === undefined ? all : lastLines(all, lines);
  });
}

async function metafile(
  storage: BackupStorage,
  project: string,
  key: string,
): Promise<{ exposed?: unknown } | undefined> {
  const found = (await storage.list(project, key)).find((o) => o.key === key);
  if (!found) return undefined;
  try {
    const parsed: unknown = JSON.parse(await text(await storage.get(found.location)));
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}
