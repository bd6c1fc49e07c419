// Replication as the tests drive it through the API: a PostgreSQL source with an account and a
// table, replicas made with replica_of, and waits on the views' replica_of/replicas.

import assert from 'node:assert/strict';
import type { Json } from '@cellar/server/testing';
import { activeInstance } from './backup-scenario.js';
import { settled, type LocalCellarOfFile } from './local-cellar.js';
import { processesNaming, psql } from './local-postgresql.js';
import { waitFor } from './wait-for.js';

const PASSWORD = 'app-Secret-1';

export const sql = async (address: string, text: string): Promise<string> => {
  const { ok, out } = await psql(address, 'app', PASSWORD, 'appdb', text);
  if (!ok) throw new Error(`psql on ${address}: ${out}`);
  return out;
};

/** The number of rows in items, or undefined while the server does not answer. */
export const rowsOn = async (address: string): Promise<number | undefined> => {
  const { ok, out } = await psql(address, 'app', PASSWORD, 'appdb', 'SELECT count(*) FROM items');
  return ok ? Number(out) : undefined;
};

export async function pgSource(
  local: LocalCellarOfFile,
  name: string,
): Promise<{ id: string; address: string }> {
  const source = await activeInstance(local, {
    name,
    flavorRef: '2',
    volume: { size: 1 },
    datastore: { type: 'postgresql', version: local.version },
    databases: [{ name: 'appdb' }],
    users: [{ name: 'app', password: PASSWORD, databases: [{ name: 'appdb' }] }],
  });
  await sql(source.address, 'CREATE TABLE items (id int PRIMARY KEY)');
  return source;
}

/** POST /instances with replica_of and no flavor; waits for each replica to be ACTIVE. */
export async function replicasOf(
  local: LocalCellarOfFile,
  sourceId: string,
  name: string,
  count = 1,
): Promise<{ id: string; address: string; view: Json }[]> {
  const created = await local.api('POST', '/instances', {
    instance: { name, replica_of: sourceId, ...(count > 1 ? { replica_count: count } : {}) },
  });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const answered = (created.json['instance'] as Json)['replica_of'] as Json | undefined;
  assert.equal(answered?.['id'], sourceId, 'the create answer names the source');
  const made = await waitFor(
    async () => {
      const list = (await local.api('GET', '/instances')).json['instances'] as Json[];
      const ours = list.filter((i) => (i['replica_of'] as Json | undefined)?.['id'] === sourceId);
      return ours.length === count ? ours : undefined;
    },
    { what: `${count} replicas of ${sourceId} to be listed`, timeout: 30_000, interval: 250 },
  );
  const replicas = [];
  for (const replica of made) {
    const id = String(replica['id']);
    const view = await local.session.untilInstance(id, settled, 'ACTIVE', 300, 250);
    assert.equal(view['status'], 'ACTIVE', JSON.stringify(view['fault'] ?? view));
    replicas.push({ id, address: (view['ip'] as string[])[0] ?? '', view });
  }
  return replicas;
}

/** Waits until `address` holds `count` rows of items. */
export function untilRows(address: string, count: number, timeout = 30_000): Promise<true> {
  return waitFor(async () => (await rowsOn(address)) === count, {
    what: `${count} rows on ${address}`,
    timeout,
    interval: 200,
  });
}

/** SIGKILLs the instance's guest agent and its PostgreSQL (every process naming the instance). */
export async function killInstance(local: LocalCellarOfFile, id: string): Promise<number> {
  const named = await processesNaming(id);
  const pids = named.map((line) => Number(line.split(':')[0]));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  assert.ok(pids.length >= 2, `the guest and its postgres, found: ${named.join('\n')}`);
  return pids.length;
}

/** Inserts rows from..to one commit each; answers how many were acknowledged before a failure. */
export async function insertEach(address: string, from: number, to: number): Promise<number> {
  let acked = 0;
  for (let id = from; id <= to; id += 1) {
    const { ok } = await psql(
      address,
      'app',
      PASSWORD,
      'appdb',
      `INSERT INTO items VALUES (${id})`,
    );
    if (!ok) break;
    acked += 1;
  }
  return acked;
}

/** The first of `ids` shown ACTIVE with no replica_of: the one promoted. */
export function untilPromoted(
  local: LocalCellarOfFile,
  ids: readonly string[],
  timeout: number,
): Promise<string> {
  return waitFor(
    async () => {
      for (const id of ids) {
        const view = (await local.api('GET', `/instances/${id}`)).json['instance'] as Json;
        if (settled(view) && view['status'] === 'ACTIVE' && view['replica_of'] === undefined)
          return id;
      }
      return undefined;
    },
    { what: `one of ${ids.join(', ')} to be promoted`, timeout, interval: 200 },
  );
}

/** The automatic eject of `sourceId` as its timeline shows it. */
export async function ejectOf(local: LocalCellarOfFile, sourceId: string): Promise<Json> {
  const ops = (await local.api('GET', `/instances/${sourceId}/operations`)).json[
    'operations'
  ] as Json[];
  const eject = ops.find((o) => o['kind'] === 'eject');
  assert.ok(eject, `no eject in ${JSON.stringify(ops)}`);
  return eject;
}

/** Deletes instances in this order (replicas before their source, which is refused before). */
export async function deleteInOrder(local: LocalCellarOfFile, ids: readonly string[]) {
  for (const id of ids) {
    const answer = await local.api('DELETE', `/instances/${id}`);
    assert.equal(answer.status, 202, JSON.stringify(answer.json));
    await local.session.untilInstance(id, (i) => 'gone' in i, 'deleted', 90, 250);
  }
}

/**
 * promote_to_replica_source on `replicaId`: waits until it is a source and its old source
 * `sourceId` is ACTIVE again as its replica.
 */
export async function switchover(
  local: LocalCellarOfFile,
  replicaId: string,
  sourceId: string,
): Promise<void> {
  const promoted = await local.api('POST', `/instances/${replicaId}/action`, {
    promote_to_replica_source: {},
  });
  assert.equal(promoted.status, 202, JSON.stringify(promoted.json));
  await local.session.untilInstance(
    replicaId,
    (i) => settled(i) && i['replica_of'] === undefined,
    'the promoted replica to be a source',
    120,
    250,
  );
  const old = await local.session.untilInstance(sourceId, settled, 'ACTIVE', 60, 250);
  assert.equal(old['status'], 'ACTIVE', JSON.stringify(old['fault'] ?? old));
  assert.equal((old['replica_of'] as Json | undefined)?.['id'], replicaId);
}
