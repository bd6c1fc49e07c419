// A PostgreSQL replica's lag in its metrics: the replica's heartbeats carry
// replication_lag_seconds beside its other gauges, its source's do not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localCellarOfFile } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';
import { pgSource, replicasOf, sql } from './support/replication.js';
import { waitFor } from './support/wait-for.js';

const local = localCellarOfFile(noPostgresql, ['DEFAULT.backup_storage=local']);

/** The names of the instance's series, once `name` is among them. */
async function seriesNamesWith(id: string, name: string): Promise<string[]> {
  return waitFor(
    async () => {
      const res = await local.api('GET', `/instances/${id}/metrics?minutes=5`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const series = (res.json['metrics'] as { series: { name: string }[] }).series;
      const names = series.map((s) => s.name);
      return names.includes(name) ? names : undefined;
    },
    { timeout: 30_000, what: `${id}'s ${name} series` },
  );
}

test(
  "a PostgreSQL replica's metrics carry its lag behind the source; the source's do not",
  { skip: noPostgresql },
  async () => {
    const source = await pgSource(local, 'metrics-source');
    const [replica] = await replicasOf(local, source.id, 'metrics-replica');
    assert.ok(replica);
    await sql(source.address, 'INSERT INTO items VALUES (1)');
    const names = await seriesNamesWith(replica.id, 'replication_lag_seconds');
    assert.ok(names.includes('connections') && names.includes('disk_used_bytes'), String(names));
    const sourceNames = await seriesNamesWith(source.id, 'connections');
    assert.equal(sourceNames.includes('replication_lag_seconds'), false, String(sourceNames));
  },
);
