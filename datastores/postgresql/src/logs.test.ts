import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresqlLogs } from './logs.js';

const logs = postgresqlLogs({
  logFile: '/nonexistent/postgresql.log',
  dataDir: '/nonexistent',
  user: async () => undefined,
  reload: async () => undefined,
  longQueryMs: 1000,
});
const at = (pid: number, text: string) =>
  `2026-11-30 23:00:00.000 UTC [${pid}] app@appdb ${text}\n`;
const entries = [
  at(7, "LOG:  statement: SELECT 'fast'"),
  at(8, 'LOG:  statement: SELECT pg_sleep(2),\n\t1'),
  at(7, 'LOG:  duration: 0.2 ms'),
  at(8, 'LOG:  duration: 2001.5 ms'),
  at(9, 'LOG:  duration: 1500.0 ms  statement: SELECT pg_sleep(1.5)'),
  at(9, 'LOG:  checkpoint starting: time'),
];

/** What a publish of these entries would store for the log. */
function published(name: string): string {
  const declared = logs.find((l) => l.name === name);
  const pick = declared?.pick?.();
  assert.ok(pick, `${name} picks its entries`);
  return entries.map((e) => pick(e) ?? '').join('');
}

test('the general log is the statement entries of the server log', () => {
  assert.equal(published('general'), entries[0]! + entries[1]!);
});

test('the slow query log is the duration entries, each with its statement even when the general log took it', () => {
  assert.equal(
    published('slow_query'),
    entries[0]! + entries[2]! + entries[1]! + entries[3]! + entries[4]!,
  );
});

test('the error log is the whole server log, a SYS log', () => {
  const error = logs.find((l) => l.name === 'error');
  assert.deepEqual([error?.type, error?.pick], ['SYS', undefined]);
});
