// What replication keeps on the instance: its state beside the data directory, and the settings
// it renders from that state into the data directory, which cellar.conf includes last.
//
//   <mount>/cellar-replication.json       role, source, replicas, the replication password (0600)
//   <mount>/data/cellar-replication.conf  primary_conninfo and slot (replica),
//                                         synchronous_standby_names (source), read-only
//   <mount>/data/standby.signal           while a replica: the server starts as a hot standby

import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReplicationSource } from '@cellar/plugin-api';
import { writeOwned, type OsUser } from '@cellar/plugin-api/processes';
import { confString, REPLICATION_CONF } from '../config.js';
import { primaryConninfo, slotName } from './positions.js';

export interface ReplicaEntry {
  readonly id: string;
  readonly synchronous: boolean;
}

export interface ReplicationFacts {
  readonly role: 'source' | 'replica' | 'standalone';
  /** On a replica: the source it follows (its password is the replication role's). */
  readonly source?: ReplicationSource;
  /** On a source: the replicas it keeps a slot for. */
  readonly replicas: readonly ReplicaEntry[];
  /** The replication role's password: made by the first source, inherited by its replicas. */
  readonly password?: string;
  readonly readOnly: boolean;
}

export const STANDALONE: ReplicationFacts = { role: 'standalone', replicas: [], readOnly: false };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A ReplicationSource as the control plane passed it (or the state file kept it), checked. */
export function parseSource(s: unknown): ReplicationSource | undefined {
  if (
    !isRecord(s) ||
    typeof s.sourceId !== 'string' ||
    typeof s.host !== 'string' ||
    typeof s.port !== 'number' ||
    typeof s.user !== 'string' ||
    typeof s.password !== 'string'
  )
    return undefined;
  const { sourceId, host, port, user, password } = s;
  return { sourceId, host, port, user, password, synchronous: s.synchronous === true };
}

/** The state file read back, checked field by field; anything unreadable counts as standalone. */
export function parseFacts(text: string): ReplicationFacts {
  const raw: unknown = JSON.parse(text);
  if (!isRecord(raw)) return STANDALONE;
  const role = raw.role === 'source' || raw.role === 'replica' ? raw.role : 'standalone';
  const replicas = Array.isArray(raw.replicas)
    ? raw.replicas.flatMap((r: unknown) =>
        isRecord(r) && typeof r.id === 'string'
          ? [{ id: r.id, synchronous: r.synchronous === true }]
          : [],
      )
    : [];
  const source = parseSource(raw.source);
  return {
    role,
    replicas,
    readOnly: raw.readOnly === true,
    ...(source === undefined ? {} : { source }),
    ...(typeof raw.password === 'string' ? { password: raw.password } : {}),
  };
}

/** cellar-replication.conf for these facts on the instance `selfId`. */
export function renderReplicationConf(facts: ReplicationFacts, selfId: string): string {
  const lines = ['# Written by the Cellar guest agent from cellar-replication.json; overwritten.'];
  if (facts.role === 'replica' && facts.source !== undefined) {
    lines.push(`primary_conninfo = ${confString(primaryConninfo(facts.source, selfId))}`);
    lines.push(`primary_slot_name = ${confString(slotName(selfId))}`);
    lines.push("recovery_target_timeline = 'latest'");
  }
  const waitFor = facts.replicas.filter((r) => r.synchronous).map((r) => `"${slotName(r.id)}"`);
  // ANY 1: a commit returns once one synchronous replica has it, whichever answers first.
  if (facts.role === 'source' && waitFor.length > 0)
    lines.push(`synchronous_standby_names = ${confString(`ANY 1 (${waitFor.join(', ')})`)}`);
  // A former source rewound to follow its successor needs the WAL back to their last common
  // checkpoint; a promoted replica archives nothing before its first full backup.
  if (facts.role !== 'standalone') lines.push('wal_keep_size = 128MB');
  if (facts.readOnly) lines.push('default_transaction_read_only = on');
  return `${lines.join('\n')}\n`;
}

export class ReplicationFiles {
  constructor(
    private readonly mountPoint: string,
    private readonly dataDir: string,
    private readonly selfId: string,
  ) {}

  get stateFile(): string {
    return join(this.mountPoint, 'cellar-replication.json');
  }

  async read(): Promise<ReplicationFacts> {
    try {
      return parseFacts(await readFile(this.stateFile, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return STANDALONE;
      throw error;
    }
  }

  /** The state, then the settings rendered from it, and standby.signal for a replica. */
  async write(facts: ReplicationFacts, user: OsUser | undefined): Promise<void> {
    await writeOwned(this.stateFile, `${JSON.stringify(facts, null, 2)}\n`, user);
    await this.render(facts, user);
  }

  /** The settings in the data directory (pg_rewind and restores bring the source's). */
  async render(facts: ReplicationFacts, user: OsUser | undefined): Promise<void> {
    const conf = renderReplicationConf(facts, this.selfId);
    await writeOwned(join(this.dataDir, REPLICATION_CONF), conf, user);
    const signal = join(this.dataDir, 'standby.signal');
    if (facts.role === 'replica') await writeOwned(signal, '', user);
    else await rm(signal, { force: true });
  }
}
