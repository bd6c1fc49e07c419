// What the live tests do as a tenant would: log in over TCP with a password and run SQL, and the
// small checks they share (error codes, waiting on a condition).

import mysql from 'mysql2/promise';
import { isCellarError } from '@cellar/plugin-api';
import type { LiveServer } from './live-server.js';

/** Logs in over TCP to the instance's address as a user, runs sql, and answers its rows. */
export async function asUser(
  server: LiveServer,
  user: string,
  password: string,
  sql: string,
  database?: string,
): Promise<Record<string, unknown>[]> {
  const connection = await mysql.createConnection({
    host: server.address,
    port: server.port,
    user,
    password,
    connectTimeout: 5000,
    ...(database !== undefined ? { database } : {}),
  });
  try {
    const [rows] = await connection.query(sql);
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
  } finally {
    await connection.end().catch(() => undefined);
  }
}

/** Whether the user can log in over TCP at all. */
export async function canLogIn(
  server: LiveServer,
  user: string,
  password: string,
): Promise<boolean> {
  try {
    await asUser(server, user, password, 'SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/** A predicate for assert.rejects: a Cellar error with this code. */
export const code =
  (expected: string) =>
  (error: unknown): boolean =>
    isCellarError(error) && error.code === expected;
