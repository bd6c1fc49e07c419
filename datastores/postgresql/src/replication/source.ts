// The source's half of replication: the replication role, a physical slot per replica (so the
// WAL a replica still needs is kept), synchronous commit, read-only, and how replicas reach it.

import {
  generatedPassword,
  type ReplicationSnapshotRequest,
  type ReplicationSource,
} from '@cellar/plugin-api';
import { REPLICATION_USER } from '../config.js';
import { passwordLiteral } from '../users.js';
import { ident } from '../sql.js';
import { inRecovery, reloadIfRunning, replicationFiles, type ReplicationHost } from './host.js';
import { isCellarSlot, slotName } from './positions.js';
import type { ReplicaEntry, ReplicationFacts } from './settings.js';

const PASSWORD_LENGTH = 32;
/** What pg_rewind reads of a source, granted so the replication role needs no superuser. */
const REWIND_FUNCTIONS = [
  'pg_catalog.pg_ls_dir(text, boolean, boolean)',
  'pg_catalog.pg_stat_file(text, boolean)',
  'pg_catalog.pg_read_binary_file(text)',
  'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)',
];

/** The replication role with this password, made or updated (only a writable server can). */
async function ensureRole(host: ReplicationHost, password: string): Promise<void> {
  const { rows } = await host.sql.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [
    REPLICATION_USER,
  ]);
  const verb = rows.length === 0 ? 'CREATE' : 'ALTER';
  await host.sql.query(
    `${verb} ROLE ${ident(REPLICATION_USER)} WITH REPLICATION LOGIN PASSWORD ${passwordLiteral(password)}`,
  );
  for (const fn of REWIND_FUNCTIONS)
    await host.sql.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${ident(REPLICATION_USER)}`);
}

/** The facts with a password, the role made when the facts had none. */
async function withRole(host: ReplicationHost, facts: ReplicationFacts): Promise<ReplicationFacts> {
  if (facts.password !== undefined) return facts;
  const password = generatedPassword(PASSWORD_LENGTH);
  await ensureRole(host, password);
  return { ...facts, password };
}

async function cellarSlots(host: ReplicationHost): Promise<{ name: string; active: boolean }[]> {
  const { rows } = await host.sql.query<{ name: string; active: boolean }>(
    "SELECT slot_name AS name, active FROM pg_replication_slots WHERE slot_type = 'physical'",
  );
  return rows.filter((row) => isCellarSlot(row.name));
}

/** A slot per replica, reserving WAL from now; the slots of replicas no longer listed go. */
async function syncSlots(host: ReplicationHost, replicas: readonly ReplicaEntry[]): Promise<void> {
  const existing = await cellarSlots(host);
  const wanted = new Set(replicas.map((r) => slotName(r.id)));
  for (const name of wanted) {
    if (!existing.some((slot) => slot.name === name))
      await host.sql.query('SELECT pg_create_physical_replication_slot($1, true)', [name]);
  }
  for (const slot of existing) {
    if (!wanted.has(slot.name) && !slot.active)
      await host.sql.query('SELECT pg_drop_replication_slot($1)', [slot.name]);
  }
}

function sourceOf(host: ReplicationHost, facts: ReplicationFacts, synchronous: boolean) {
  const source: ReplicationSource = {
    sourceId: host.context.guestId,
    host: host.context.address,
    port: host.context.options.postgresql_port,
    user: REPLICATION_USER,
    password: facts.password ?? '',
    synchronous,
  };
  return source;
}

/**
 * Before the seeding backup: the role, and the replica's slot made now so that the source keeps
 * every WAL file from before the backup's start until the replica has streamed it. The replica
 * is not waited for (synchronous_standby_names) until enableAsMaster names it: until it
 * streams, a synchronous source would hold every commit.
 */
export async function replicationSnapshot(
  host: ReplicationHost,
  request: ReplicationSnapshotRequest,
): Promise<ReplicationSource> {
  const files = replicationFiles(host);
  const facts = await withRole(host, await files.read());
  const others = facts.replicas.filter((r) => r.id !== request.replicaId);
  const replicas = [...others, { id: request.replicaId, synchronous: false }];
  await syncSlots(host, replicas);
  const next: ReplicationFacts = { ...facts, role: 'source', replicas };
  await files.write(next, (await host.files.spawning()).user);
  await reloadIfRunning(host);
  return {
    ...sourceOf(host, next, request.synchronous),
    extra: { slot: slotName(request.replicaId) },
  };
}

export interface SourceConfig {
  readonly replicaIds: readonly string[];
  readonly synchronous: boolean;
}

/** Serve exactly these replicas (their slots made, others' dropped), writable, waiting as asked. */
export async function enableAsMaster(host: ReplicationHost, config: SourceConfig): Promise<void> {
  const files = replicationFiles(host);
  const read = await files.read();
  // A promoted replica inherits the role with its source's password.
  const facts = await withRole(host, {
    ...read,
    ...(read.password === undefined && read.source !== undefined
      ? { password: read.source.password }
      : {}),
  });
  const replicas = config.replicaIds.map((id) => ({ id, synchronous: config.synchronous }));
  await syncSlots(host, replicas);
  const { source: _followed, ...rest } = facts;
  await files.write(
    { ...rest, role: replicas.length > 0 ? 'source' : 'standalone', replicas, readOnly: false },
    (await host.files.spawning()).user,
  );
  await reloadIfRunning(host);
}

/** A former source about to follow another: no replicas of its own, nothing waited for. */
export async function demoteReplicationMaster(host: ReplicationHost): Promise<void> {
  const files = replicationFiles(host);
  const facts = await files.read();
  if (host.server.running() !== undefined && !(await inRecovery(host))) await syncSlots(host, []);
  await files.write({ ...facts, replicas: [] }, (await host.files.spawning()).user);
  await reloadIfRunning(host);
}

/** How an existing replica is re-pointed at this server. */
export async function replicaContext(host: ReplicationHost): Promise<ReplicationSource> {
  const files = replicationFiles(host);
  let facts = await files.read();
  if (facts.password === undefined) {
    facts = await withRole(host, {
      ...facts,
      ...(facts.source === undefined ? {} : { password: facts.source.password }),
    });
    await files.write(facts, (await host.files.spawning()).user);
  }
  return sourceOf(
    host,
    facts,
    facts.replicas.some((r) => r.synchronous),
  );
}

/** Sessions default to read-only (a planned switchover stops writes before the replica catches up). */
export async function makeReadOnly(host: ReplicationHost, readOnly: boolean): Promise<void> {
  const files = replicationFiles(host);
  const facts = await files.read();
  await files.write({ ...facts, readOnly }, (await host.files.spawning()).user);
  await reloadIfRunning(host);
}
