// The recoverable window of an instance whose datastore restores to a point in time: its archive as
// the backup storage lists it, with its COMPLETED full backups, as the detail shows it (kept a few
// seconds per instance, since a detail is polled) and as a restore_time is checked against.

import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import {
  BackupStorageNotConfigured,
  RestoreTimeOutsideWindow,
  type PointInTimeRecovery,
  type RecoverableSpan,
} from '@cellar/plugin-api';
import type { Database } from '../db/schema.js';
import { metaOf } from './records.js';
import { withStorage, type BackupStorages } from './storages.js';

/** What the instance detail shows as `recoverable_window`. */
export type RecoverableWindowView =
  | { readonly spans: readonly RecoverableSpan[]; readonly gaps: readonly string[] }
  | { readonly error: string };

export interface WindowDeps {
  readonly db: Kysely<Database>;
  readonly storages?: BackupStorages | undefined;
}

type Window = { spans: readonly RecoverableSpan[]; gaps: readonly string[] };

/**
 * The spans and gaps of the instance's archive now; fails when the storage cannot be listed. Each
 * full backup's spans start no earlier than the backup was COMPLETED: a restore replays from the
 * latest full backup finished before its time, so a moment before that has nothing to start from.
 */
export async function recoverableWindow(
  deps: WindowDeps,
  pitr: PointInTimeRecovery,
  tenant: string,
  instanceId: string,
): Promise<Window> {
  const storages = deps.storages;
  if (!storages)
    throw new BackupStorageNotConfigured({ reason: 'no backup storage is configured' });
  const fulls = await deps.db
    .selectFrom('backups')
    .select(['meta', 'updated_at'])
    .where('tenant_id', '=', tenant)
    .where('instance_id', '=', instanceId)
    .where('parent_id', 'is', null)
    .where('state', '=', 'COMPLETED')
    .where('deleted_at', 'is', null)
    .execute();
  // The guest ships its archive to the storage new backups go to, within its project.
  const objects = await withStorage(storages, storages.defaultName, (storage) =>
    storage.list(tenant, pitr.objectPrefix(instanceId)),
  );
  const fullBackups = fulls.map((row) => ({ meta: metaOf(row), finished: row.updated_at }));
  const spans = fullBackups.flatMap((full) =>
    pitr.window(objects, [full]).spans.flatMap((span) => {
      const earliest = Math.max(Date.parse(span.earliest), Date.parse(full.finished));
      return earliest > Date.parse(span.latest)
        ? []
        : [{ earliest: new Date(earliest).toISOString(), latest: span.latest }];
    }),
  );
  return { spans: merged(spans), gaps: pitr.window(objects, fullBackups).gaps };
}

/** Spans sorted and overlapping ones joined: the window as one list of disjoint spans. */
function merged(spans: readonly RecoverableSpan[]): RecoverableSpan[] {
  const sorted = [...spans].sort((a, b) => Date.parse(a.earliest) - Date.parse(b.earliest));
  const joined: RecoverableSpan[] = [];
  for (const span of sorted) {
    const previous = joined.at(-1);
    if (previous && Date.parse(span.earliest) <= Date.parse(previous.latest)) {
      if (Date.parse(span.latest) > Date.parse(previous.latest))
        joined[joined.length - 1] = { earliest: previous.earliest, latest: span.latest };
    } else joined.push(span);
  }
  return joined;
}

const MAX_GAPS_NAMED = 10;

/** The window as a refusal names it: each span, then the gaps (the first few of many). */
function describe(window: Window) {
  const spans =
    window.spans.length === 0
      ? 'empty (no full backup with archive after it)'
      : window.spans.map((s) => `${s.earliest} to ${s.latest}`).join(', ');
  const more = window.gaps.length - MAX_GAPS_NAMED;
  const gaps =
    window.gaps.length === 0
      ? 'none'
      : window.gaps.slice(0, MAX_GAPS_NAMED).join(', ') + (more > 0 ? ` and ${more} more` : '');
  return { window: spans, gaps };
}

/**
 * Refuses (400, naming the window) a restore to `time` that no span holds: before the first full
 * backup was consistent, past the last archived commit, or after a gap with no later full backup.
 */
export async function checkRestoreTime(
  deps: WindowDeps,
  pitr: PointInTimeRecovery,
  tenant: string,
  instanceId: string,
  time: string,
): Promise<void> {
  const window = await recoverableWindow(deps, pitr, tenant, instanceId);
  const at = Date.parse(time);
  if (window.spans.some((s) => Date.parse(s.earliest) <= at && at <= Date.parse(s.latest))) return;
  throw new RestoreTimeOutsideWindow({ time, instance: instanceId, ...describe(window) });
}

const CACHE_SECONDS = 5;

/**
 * The windows the instance details show, kept CACHE_SECONDS per instance: a client polling a
 * detail lists the storage at most that often. A storage that cannot be listed shows why instead.
 */
export class RecoverableWindows {
  readonly #kept = new LRUCache<string, Promise<RecoverableWindowView>>({
    max: 1000,
    ttl: CACHE_SECONDS * 1000,
  });

  constructor(private readonly deps: WindowDeps) {}

  of(
    pitr: PointInTimeRecovery,
    tenant: string,
    instanceId: string,
  ): Promise<RecoverableWindowView> {
    const key = `${tenant}\0${instanceId}`;
    let view = this.#kept.get(key);
    if (view === undefined) {
      view = recoverableWindow(this.deps, pitr, tenant, instanceId).then(
        (window) => ({ spans: window.spans, gaps: window.gaps }),
        (error: unknown) => ({
          error: `the recoverable window could not be read: ${error instanceof Error ? error.message : String(error)}`,
        }),
      );
      this.#kept.set(key, view);
    }
    return view;
  }
}
