// MariaDB's and Redis's gauges on real instances of the local compute driver: each datastore's
// connections, its rate (MariaDB's statements as transactions per second, Redis's commands per
// second) and its server's memory reach GET /instances/{id}/metrics beside the volume's use.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { activeInstance } from './support/backup-scenario.js';
import { localCellarOfFile } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';
import { waitFor } from './support/wait-for.js';

const noMariadb = existsSync('/usr/sbin/mariadbd')
  ? false
  : "MariaDB is not installed (Debian's mariadb-server)";
const noRedis = existsSync('/usr/bin/redis-server')
  ? false
  : 'Redis is not installed (Debian package redis-server)';
// The local Cellar checks its PostgreSQL on start, whichever datastore the test makes.
const local = localCellarOfFile(noPostgresql || (noMariadb && noRedis));

/** The newest value of each of the instance's series, once all of `names` have one. */
async function newest(id: string, names: readonly string[]): Promise<Map<string, number>> {
  return waitFor(
    async () => {
      const res = await local.api('GET', `/instances/${id}/metrics?minutes=5`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const series = (res.json['metrics'] as { series: { name: string; points: number[][] }[] })
        .series;
      const last = new Map(series.map((s) => [s.name, s.points.at(-1)?.[1] ?? NaN]));
      return names.every((n) => last.has(n)) ? last : undefined;
    },
    { timeout: 30_000, what: `the series ${names.join(', ')}` },
  );
}

async function instanceOf(type: string, flavorRef: string): Promise<string> {
  const versions = (await local.api('GET', `/datastores/${type}/versions`)).json[
    'versions'
  ] as Json[];
  const body = { name: `${type}-metrics`, flavorRef, volume: { size: 1 } };
  const datastore = { type, version: String(versions[0]?.['name']) };
  return (await activeInstance(local, { ...body, datastore })).id;
}

test(
  "a MariaDB instance's connections, transactions per second and memory appear in its metrics",
  { skip: noPostgresql || noMariadb },
  async () => {
    const id = await instanceOf('mysql', '1');
    const last = await newest(id, [
      'connections',
      'transactions_per_second',
      'memory_bytes',
      'disk_used_bytes',
    ]);
    assert.ok((last.get('connections') ?? 0) >= 1, 'the figures are read over a connection');
    // The figures are read with a statement each heartbeat: the rate is never quite 0.
    assert.ok((last.get('transactions_per_second') ?? 0) > 0, JSON.stringify([...last]));
    assert.ok((last.get('memory_bytes') ?? 0) > 2 ** 20, JSON.stringify([...last]));
    assert.equal(last.has('commands_per_second'), false);
  },
);

test(
  "a Redis instance's clients, commands per second and memory appear in its metrics",
  { skip: noPostgresql || noRedis },
  async () => {
    const id = await instanceOf('redis', '1');
    const last = await newest(id, [
      'connections',
      'commands_per_second',
      'memory_bytes',
      'disk_total_bytes',
    ]);
    assert.ok((last.get('connections') ?? 0) >= 1, JSON.stringify([...last]));
    assert.ok((last.get('commands_per_second') ?? -1) >= 0, JSON.stringify([...last]));
    assert.ok((last.get('memory_bytes') ?? 0) > 2 ** 19, JSON.stringify([...last]));
    assert.equal(last.has('transactions_per_second'), false);
  },
);
