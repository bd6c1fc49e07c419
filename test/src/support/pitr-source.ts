// A PostgreSQL instance archiving its WAL for the point-in-time tests, as its user meets it: rows
// written with psql, the server's clock read, segments closed by writing past them, and the
// recoverable window its detail shows, waited on with a deadline.

import assert from 'node:assert/strict';
import type { Json } from '@cellar/server/testing';
import { activeInstance, takeBackup } from './backup-scenario.js';
import { backupDatastores } from './backup-datastores.js';
import type { LocalCellarOfFile } from './local-cellar.js';
import { psql } from './local-postgresql.js';
import { waitFor } from './wait-for.js';

export const postgresql = backupDatastores.find((d) => d.type === 'postgresql') ?? assert.fail();

const APP = { user: 'app', password: 'app-Secret-1', database: 'appdb' };

export interface PitrSource {
  readonly id: string;
  readonly address: string;
  /** What a create of the same datastore and version carries. */
  readonly base: Readonly<Record<string, unknown>>;
}

export interface Span {
  readonly earliest: string;
  readonly latest: string;
}

export interface Window {
  readonly spans: readonly Span[];
  readonly gaps: readonly string[];
}

/** Runs SQL as the instance's user; fails with psql's words. */
export async function sql(address: string, statement: string): Promise<string> {
  const { ok, out } = await psql(address, APP.user, APP.password, APP.database, statement);
  assert.ok(ok, `psql: ${out}`);
  return out;
}

/** The server's clock now, in ms: the times restores are asked for are the server's. */
export const serverNow = async (address: string): Promise<number> =>
  Date.parse(await sql(address, "SELECT to_json(clock_timestamp()) #>> '{}'"));

/** Waits until the server's clock has passed `ms` by `by` ms: what follows is measurably later. */
export async function clockPast(address: string, ms: number, by: number): Promise<void> {
  await waitFor(async () => (await serverNow(address)) > ms + by, {
    what: 'the server clock to move on',
    timeout: 10_000,
    interval: 50,
  });
}

/**
 * Writes about 20 MB of WAL in a table of its own: the segment holding the rows written before it
 * is closed and archived without waiting for wal_archive_timeout.
 */
export async function closeSegment(address: string, table: string): Promise<void> {
  await sql(
    address,
    `CREATE TABLE ${table} AS SELECT g, repeat('x', 1000) AS pad FROM generate_series(1, 20000) g`,
  );
}

/** The archiving instance: created, ACTIVE, its table made, and a full backup of it taken. */
export async function pitrSource(local: LocalCellarOfFile): Promise<PitrSource> {
  const versions = (await local.api('GET', '/datastores/postgresql/versions')).json;
  const version = String(((versions['versions'] as Json[])[0] as Json)['name']);
  const base = { flavorRef: '2', volume: { size: 1 }, datastore: { type: 'postgresql', version } };
  const source = await activeInstance(local, {
    ...base,
    name: 'pitr-source',
    ...postgresql.create,
  });
  await sql(source.address, 'CREATE TABLE items (id int PRIMARY KEY)');
  await takeBackup(local, source.id, 'pitr-full');
  return { ...source, base };
}

/** The instance detail's recoverable_window. */
export async function shownWindow(local: LocalCellarOfFile, id: string): Promise<Json | undefined> {
  const shown = await local.api('GET', `/instances/${id}`);
  assert.equal(shown.status, 200, JSON.stringify(shown.json));
  return (shown.json['instance'] as Json)['recoverable_window'] as Json | undefined;
}

/** Polls the detail until its window satisfies `holds`; fails naming `what` and the last window. */
export async function untilWindow(
  local: LocalCellarOfFile,
  id: string,
  what: string,
  holds: (window: Window) => boolean,
): Promise<Window> {
  let last: Json | undefined;
  try {
    return await waitFor(
      async () => {
        last = await shownWindow(local, id);
        const window = last as Window | undefined;
        return window?.spans !== undefined && holds(window) ? window : undefined;
      },
      { what, timeout: 150_000, interval: 500 },
    );
  } catch (error) {
    throw new Error(`${String(error)}; the detail showed ${JSON.stringify(last)}`, {
      cause: error,
    });
  }
}

/** Whether one span of the window holds `ms`. */
export const holds = (window: Window, ms: number): boolean =>
  window.spans.some((s) => Date.parse(s.earliest) <= ms && ms <= Date.parse(s.latest));
