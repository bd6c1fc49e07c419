// Automatic failover on real PostgreSQL instances of the local driver, asynchronous replication:
// the source's guest and database killed, its most caught-up replica is promoted within
// failover_timeout + 15 s, the other replica follows it, the writes lost are within the lag the
// timeline recorded, and the old source, revived by the driver's watch, rejoins as a replica.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { localCellarOfFile, settled } from './support/local-cellar.js';
import { noPostgresql } from './support/local-postgresql.js';
import {
  deleteInOrder,
  ejectOf,
  insertEach,
  killInstance,
  pgSource,
  replicasOf,
  rowsOn,
  sql,
  untilPromoted,
  untilRows,
} from './support/replication.js';

const FAILOVER_TIMEOUT_S = 5;
const local = localCellarOfFile(noPostgresql, [
  'DEFAULT.backup_storage=local',
  'DEFAULT.automatic_failover=true',
  `DEFAULT.failover_timeout=${FAILOVER_TIMEOUT_S}`,
]);

test(
  'a dead source is fenced and its best replica promoted in time; the source rejoins as a replica',
  { skip: noPostgresql },
  async () => {
    const source = await pgSource(local, 'fo-source');
    const replicas = await replicasOf(local, source.id, 'fo-replica', 2);
    const acked = await insertEach(source.address, 1, 50);
    assert.equal(acked, 50);
    for (const r of replicas) await untilRows(r.address, 50);
    await killInstance(local, source.id);
    const killedAt = Date.now();
    const promotedId = await untilPromoted(
      local,
      replicas.map((r) => r.id),
      (FAILOVER_TIMEOUT_S + 15) * 1000,
    );
    assert.ok(Date.now() - killedAt <= (FAILOVER_TIMEOUT_S + 15) * 1000);
    const promoted = replicas.find((r) => r.id === promotedId);
    const other = replicas.find((r) => r.id !== promotedId);
    assert.ok(promoted && other);

    const eject = await ejectOf(local, source.id);
    const steps = eject['steps'] as Json[];
    assert.deepEqual(
      steps.map((s) => [s['name'], s['status']]),
      [
        ['fence', 'succeeded'],
        ['choose-replica', 'succeeded'],
        ['promote', 'succeeded'],
        ['repoint-replicas', 'succeeded'],
      ],
    );
    const choice = steps[1]?.['detail'] as Json;
    assert.equal(choice['replica'], promotedId);
    const lagBytes = Number(choice['lagBytes']);
    const lost = acked - ((await rowsOn(promoted.address)) ?? 0);
    // Asynchronous: what the source acknowledged but never sent is lost; the lag says how much.
    if (lagBytes === 0) assert.equal(lost, 0, JSON.stringify(choice));
    else assert.ok(lost * 32 <= lagBytes, `${lost} rows lost with a lag of ${lagBytes} bytes`);

    await sql(promoted.address, 'INSERT INTO items SELECT generate_series(1001, 1010)');
    await untilRows(other.address, 60 - lost);
    const otherView = (await local.api('GET', `/instances/${other.id}`)).json['instance'] as Json;
    assert.equal((otherView['replica_of'] as Json)['id'], promotedId);

    // Revived by the driver's watch once the failover is over, it follows the new source.
    const rejoined = await local.session.untilInstance(
      source.id,
      (i) => settled(i) && (i['replica_of'] as Json | undefined)?.['id'] === promotedId,
      'the old source to rejoin as a replica',
      120,
      500,
    );
    assert.equal(rejoined['status'], 'ACTIVE', JSON.stringify(rejoined['fault'] ?? rejoined));
    await untilRows(source.address, 60 - lost, 60_000);
    await assert.rejects(sql(source.address, 'INSERT INTO items VALUES (5000)'), /read-only/);
    // A source is not deleted while it has replicas (403, as Trove).
    const refused = await local.api('DELETE', `/instances/${promotedId}`);
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    await deleteInOrder(local, [other.id, source.id]);
    // Deleted replicas leave no slot behind to hold WAL on their source.
    assert.equal(await sql(promoted.address, 'SELECT count(*) FROM pg_replication_slots'), '0');
    await deleteInOrder(local, [promotedId]);
  },
);
