// The WAL a restore replays beyond its full backup: the incrementals' segments, and for a restore
// to a point in time the source instance's shipped WAL up to the target, each checked on arrival.

import { chown, rename, rm, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BadRequest, type RestoreRun } from '@cellar/plugin-api';
import type { OsUser } from '@cellar/plugin-api/processes';
import type { PostgresqlManager } from './guest.js';
import { recoveryTargetTime } from './recovery.js';
import { archivedWal, fullBackupFacts, selectWal, walPrefix } from './wal-objects.js';

/**
 * Downloads the source's WAL objects the target needs into walDir as `<name>.gz`, each verified
 * against the SHA-256 in its key before it is renamed into place. A target outside the window
 * is refused with the window.
 */
export async function downloadWalForTarget(
  run: RestoreRun<PostgresqlManager>,
  walDir: string,
  user: OsUser | undefined,
): Promise<number> {
  const full = run.chain[0]?.backup;
  const facts = fullBackupFacts(full?.meta);
  const restoreTime = run.restoreTime ?? '';
  // An unreadable time is refused as such, before any window is computed with it.
  recoveryTargetTime(restoreTime);
  if (full === undefined || facts === undefined || full.instanceId === undefined)
    throw new BadRequest({
      reason: `Backup ${full?.id ?? '(none)'} records no WAL position or instance: it cannot be the start of a point-in-time restore.`,
    });
  const archived = archivedWal(await run.objects.list(walPrefix(full.instanceId)));
  const selection = selectWal(archived, facts, Date.parse(restoreTime));
  if (selection.refusal !== undefined)
    throw new BadRequest({
      reason: `Instance ${full.instanceId} cannot be restored to ${restoreTime}: ${selection.refusal}.`,
    });
  let fetched = 0;
  for (const object of selection.objects) {
    const target = join(walDir, `${object.name}.gz`);
    if (await stat(target).catch(() => undefined)) continue;
    const part = join(walDir, `.${object.name}.gz.part`);
    try {
      const body = await run.objects.get(object.location, {
        sha256: object.sha256,
        signal: run.signal,
      });
      await pipeline(body, createWriteStream(part, { mode: 0o600 }), { signal: run.signal });
      if (user !== undefined) await chown(part, user.uid, user.gid);
      await rename(part, target);
      fetched++;
    } finally {
      await rm(part, { force: true });
    }
  }
  run.log.info('fetched the archived WAL for a point-in-time restore', {
    instance: full.instanceId,
    files: fetched,
    window: selection.window,
  });
  return fetched;
}
