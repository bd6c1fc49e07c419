// Automatic failover with synchronous replication ([DEFAULT] replication_synchronous): the source
// is killed while a client writes one row per commit, and every write it acknowledged is on the
// replica promoted in its place.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localCellarOfFile, settled } from './support/local-cellar.js';
import { noPostgresql, psql } from './support/local-postgresql.js';
import {
  deleteInOrder,
  killInstance,
  pgSource,
  replicasOf,
  rowsOn,
  sql,
  untilPromoted,
} from './support/replication.js';
import { waitFor } from './support/wait-for.js';

const FAILOVER_TIMEOUT_S = 5;
const local = localCellarOfFile(noPostgresql, [
  'DEFAULT.backup_storage=local',
  'DEFAULT.automatic_failover=true',
  `DEFAULT.failover_timeout=${FAILOVER_TIMEOUT_S}`,
  'DEFAULT.replication_synchronous=true',
]);

test(
  'with synchronous replication no acknowledged write is lost in a failover',
  { skip: noPostgresql },
  async () => {
    const source = await pgSource(local, 'sync-source');
    const [replica] = await replicasOf(local, source.id, 'sync-replica');
    assert.ok(replica);
    assert.match(await sql(source.address, 'SHOW synchronous_standby_names'), /^ANY 1 \(/);
    let acked = 0;
    const writing = (async () => {
      for (let id = 1; ; id += 1) {
        const { ok } = await psql(
          source.address,
          'app',
          'app-Secret-1',
          'appdb',
          `INSERT INTO items VALUES (${id})`,
        );
        if (!ok) return;
        acked = id;
      }
    })();
    await waitFor(() => acked >= 100, { what: '100 acknowledged writes', timeout: 60_000 });
    await killInstance(local, source.id);
    await writing;
    const promotedId = await untilPromoted(local, [replica.id], (FAILOVER_TIMEOUT_S + 15) * 1000);
    assert.equal(promotedId, replica.id);
    const rows = (await rowsOn(replica.address)) ?? 0;
    assert.ok(rows >= acked, `${acked} writes acknowledged, ${rows} on the promoted replica`);
    await sql(replica.address, 'INSERT INTO items VALUES (1000000)');
    await local.session.untilInstance(
      source.id,
      (i) => settled(i) && (i['replica_of'] as { id?: string } | undefined)?.id === replica.id,
      'the old source to rejoin',
      120,
      500,
    );
    await deleteInOrder(local, [source.id, replica.id]);
  },
);
