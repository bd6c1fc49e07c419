// PostgreSQL's pg_settings rows as Cellar's configuration parameters: the types, bounds, enum
// values, units and restart rule the server itself applies, minus blocklist.ts.

import type { ConfigurationParameter, ParameterType } from '@cellar/plugin-api';
import { blockedBy } from './blocklist.js';

/** The columns of pg_settings the catalog is made from, as the server answers them (text). */
export interface PgSettingRow {
  readonly name: string;
  readonly vartype: string;
  readonly context: string;
  readonly category: string;
  readonly unit: string | null;
  readonly min_val: string | null;
  readonly max_val: string | null;
  readonly enumvals: readonly string[] | null;
  readonly short_desc: string | null;
}

/** The SELECT giving those rows, every parameter of the server. */
export const PG_SETTINGS_SQL =
  'SELECT name, vartype, context, category, unit, min_val, max_val, enumvals, short_desc FROM pg_settings ORDER BY name';

const types: Readonly<Record<string, ParameterType>> = {
  bool: 'boolean',
  integer: 'integer',
  real: 'float',
  string: 'string',
  enum: 'string',
};

/**
 * Contexts a configuration group can set: `postmaster` only at a start, the others on a reload.
 * `internal` cannot be set at all; `backend` and `superuser-backend` only at a session's start,
 * which a reload does not reach, so groups leave them out.
 */
const restartByContext: Readonly<Record<string, boolean>> = {
  postmaster: true,
  sighup: false,
  superuser: false,
  user: false,
};

const bytesByUnit: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1024,
  '8kB': 8192,
  MB: 1024 * 1024,
  GB: 1024 * 1024 * 1024,
};

/**
 * Memory the server allocates or plans with, checked against the flavor's RAM: the Resource
 * Usage / Memory category, and two elsewhere. WAL and disk sizes (max_wal_size, temp_file_limit,
 * the *_flush_after page counts) are not memory and are not checked so.
 */
const memoryElsewhere = new Set(['effective_cache_size', 'wal_buffers']);

function isMemory(row: PgSettingRow): boolean {
  return row.category.startsWith('Resource Usage / Memory') || memoryElsewhere.has(row.name);
}

const numberOf = (text: string | null): number | undefined =>
  text === null || text === '' ? undefined : Number(text);

/** One row as a parameter, or undefined when a group cannot or must not set it. */
export function toParameter(row: PgSettingRow): ConfigurationParameter | undefined {
  const restartRequired = restartByContext[row.context];
  const type = types[row.vartype];
  if (restartRequired === undefined || type === undefined) return undefined;
  if (blockedBy(row.name, row.category) !== undefined) return undefined;
  const numeric = type === 'integer' || type === 'float';
  const unit = row.unit ?? undefined;
  const bytesPerUnit = unit !== undefined && isMemory(row) ? bytesByUnit[unit] : undefined;
  return {
    name: row.name,
    type,
    ...(numeric ? { min: numberOf(row.min_val), max: numberOf(row.max_val) } : {}),
    ...(row.vartype === 'enum' && row.enumvals ? { choices: [...row.enumvals] } : {}),
    ...(unit !== undefined ? { unit } : {}),
    restartRequired,
    ...(bytesPerUnit !== undefined ? { bytesPerUnit } : {}),
    ...(row.short_desc ? { description: row.short_desc } : {}),
  };
}

export function toParameters(rows: readonly PgSettingRow[]): ConfigurationParameter[] {
  return rows.flatMap((row) => toParameter(row) ?? []);
}
