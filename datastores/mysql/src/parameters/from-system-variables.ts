// MariaDB's information_schema.SYSTEM_VARIABLES rows as Cellar's configuration parameters: the
// types, bounds, enum values and read-only rule the server itself applies, minus blocklist.ts.

import type { ConfigurationParameter, ParameterType } from '@cellar/plugin-api';
import { blockedBy } from './blocklist.js';

/** The columns the catalog is made from, as the server answers them. */
export interface SystemVariableRow {
  readonly VARIABLE_NAME: string;
  readonly VARIABLE_SCOPE: string;
  readonly VARIABLE_TYPE: string;
  readonly VARIABLE_COMMENT: string | null;
  readonly NUMERIC_MIN_VALUE: string | null;
  readonly NUMERIC_MAX_VALUE: string | null;
  readonly ENUM_VALUE_LIST: string | null;
  readonly READ_ONLY: string;
}

export const SYSTEM_VARIABLES_SQL =
  'SELECT VARIABLE_NAME, VARIABLE_SCOPE, VARIABLE_TYPE, VARIABLE_COMMENT, NUMERIC_MIN_VALUE, NUMERIC_MAX_VALUE, ENUM_VALUE_LIST, READ_ONLY FROM information_schema.SYSTEM_VARIABLES ORDER BY VARIABLE_NAME';

function typeOf(variableType: string): ParameterType {
  if (/^(TINYINT|SMALLINT|MEDIUMINT|INT|BIGINT)\b/.test(variableType)) return 'integer';
  if (variableType === 'DOUBLE') return 'float';
  if (variableType === 'BOOLEAN') return 'boolean';
  // VARCHAR, ENUM (with choices), SET and FLAGSET (comma lists of flags).
  return 'string';
}

/**
 * Sizes in bytes the server allocates from RAM, checked against the flavor: buffers and caches,
 * the in-memory temporary tables, the largest packet. Not the *_cache_size counts (threads, hosts)
 * nor the max_*_cache_size limits, which are no allocation.
 */
const memoryPattern = /(_buffer_size|_cache_size|_buffer_pool_size)$/;
const notMemory = new Set([
  'thread_cache_size',
  'host_cache_size',
  'metadata_locks_cache_size',
  'max_binlog_cache_size',
  'max_binlog_stmt_cache_size',
]);
const memoryElsewhere = new Set([
  'max_heap_table_size',
  'tmp_table_size',
  'tmp_memory_table_size',
  'max_allowed_packet',
  'join_buffer_space_limit',
]);

export const isMemory = (name: string): boolean =>
  memoryElsewhere.has(name) || (memoryPattern.test(name) && !notMemory.has(name));

const numberOf = (text: string | null): number | undefined =>
  text === null || text === '' ? undefined : Number(text);

/**
 * One row as a parameter, or undefined when a group cannot or must not set it: only variables
 * with a global value (not SESSION ONLY) that the option file takes (`fileOptions`, the server's
 * --help names with `_`), since the group's values are persisted there.
 */
export function toParameter(
  row: SystemVariableRow,
  fileOptions: ReadonlySet<string>,
): ConfigurationParameter | undefined {
  const name = row.VARIABLE_NAME.toLowerCase();
  if (row.VARIABLE_SCOPE === 'SESSION ONLY' || !fileOptions.has(name)) return undefined;
  if (blockedBy(name) !== undefined) return undefined;
  const type = typeOf(row.VARIABLE_TYPE);
  const numeric = type === 'integer' || type === 'float';
  return {
    name,
    type,
    ...(numeric
      ? { min: numberOf(row.NUMERIC_MIN_VALUE), max: numberOf(row.NUMERIC_MAX_VALUE) }
      : {}),
    ...(row.VARIABLE_TYPE === 'ENUM' && row.ENUM_VALUE_LIST
      ? { choices: row.ENUM_VALUE_LIST.split(',') }
      : {}),
    // Read-only variables are set in the option file only, so they take a restart.
    restartRequired: row.READ_ONLY === 'YES',
    ...(type === 'integer' && isMemory(name) ? { bytesPerUnit: 1 } : {}),
    ...(row.VARIABLE_COMMENT ? { description: row.VARIABLE_COMMENT } : {}),
  };
}

export function toParameters(
  rows: readonly SystemVariableRow[],
  fileOptions: ReadonlySet<string>,
): ConfigurationParameter[] {
  return rows.flatMap((row) => toParameter(row, fileOptions) ?? []);
}

/** The option names in `mariadbd --verbose --help`'s variables table, with `_` for `-`. */
export function parseHelpOptions(help: string): Set<string> {
  const start = help.search(/^-{20,} -+$/m);
  const names = new Set<string>();
  if (start < 0) return names;
  for (const line of help.slice(start).split('\n').slice(1)) {
    const m = /^([a-z0-9][a-z0-9_-]*)\s/.exec(line);
    if (m?.[1]) names.add(m[1].replaceAll('-', '_'));
  }
  return names;
}
