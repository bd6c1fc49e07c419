// GET /instances/{id}/metrics as a service: the instance's gauges over the last minutes, within
// the caller's reach (another project's instance is a 404, as for every instance route).

import type { Kysely } from 'kysely';
import { BadRequest } from '@cellar/plugin-api';
import type { Database } from '../db/schema.js';
import { loadInstance } from '../instances/lookup.js';
import type { InstanceRef } from '../instances/guest-resources.js';
import { KEPT_MINUTES, MetricsStore, type Series } from './store.js';

/** What a request without `minutes` gets: the last hour. */
export const DEFAULT_MINUTES = 60;

export interface InstanceMetrics {
  /** Seconds between two points. */
  readonly interval: 60;
  readonly series: Series[];
}

/** The minutes a request asks for, or a 400 that says which are allowed. */
export function minutesOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MINUTES;
  const minutes = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(minutes >= 1 && minutes <= KEPT_MINUTES))
    throw new BadRequest({
      reason: `minutes must be a whole number from 1 to ${KEPT_MINUTES} (a day is kept), not "${text}".`,
    });
  return minutes;
}

export async function instanceMetrics(
  db: Kysely<Database>,
  ref: InstanceRef,
  minutes: string | undefined,
): Promise<InstanceMetrics> {
  const span = minutesOf(minutes);
  const row = await loadInstance(db, ref.tenant, ref.id);
  return { interval: 60, series: await new MetricsStore(db).series(row.id, span) };
}
