// What the live tests do as a tenant would: log in over TCP with a password and run SQL, and the
// small checks they share (error codes, the postmaster's PID, waiting on a condition).

import pg from 'pg';
import { isCellarError } from '@cellar/plugin-api';
import { readPidFile } from '../postmaster.js';
import type { LiveServer } from './live-server.js';

/** Logs in over TCP as a user with a password, runs sql, and answers the last statement's rows. */
export async function asUser(
  server: LiveServer,
  user: string,
  password: string,
  database: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: server.port,
    user,
    password,
    database,
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    // Several statements answer one result each: the last one's rows are what the caller wants.
    const results: unknown = await client.query(sql);
    const last = (Array.isArray(results) ? results.at(-1) : results) as pg.QueryResult<
      Record<string, unknown>
    >;
    return last.rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A predicate for assert.rejects: a Cellar error with this code. */
export const code =
  (expected: string) =>
  (error: unknown): boolean =>
    isCellarError(error) && error.code === expected;

export const postmasterPid = (server: LiveServer): number | undefined =>
  readPidFile(`${server.mountPoint}/data`)?.pid;

export const quietLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls condition every 10 ms; throws when it is still false after timeoutMs. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`the condition was not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
