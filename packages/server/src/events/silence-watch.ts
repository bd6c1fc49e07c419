// The one instance change no write makes: a guest whose heartbeats stop is shown as
// `guestagent error` once agent_heartbeat_expiry has passed since the last one, and as before once
// they come back. While streams are open, this notices both and records them as changes.

import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ChangeLog } from './change-log.js';

interface Beat {
  readonly id: string;
  readonly project: string;
  readonly at: string;
}

export class SilenceWatch {
  /** Instances this process has seen fall silent, until their heartbeats come back. */
  readonly #silent = new Map<string, string>();
  #checked: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Pick<ChangeLog, 'record'>,
    /** Seconds without a heartbeat after which a guest is shown in error. */
    private readonly expirySeconds: number,
    start = Date.now(),
  ) {
    this.#checked = start;
  }

  /** Records the instances that fell silent or came back since the last check. */
  async check(at = Date.now()): Promise<void> {
    const expiry = this.expirySeconds * 1000;
    const fell = await this.#beats()
      .where('service_statuses.updated_at', '>=', new Date(this.#checked - expiry).toISOString())
      .where('service_statuses.updated_at', '<', new Date(at - expiry).toISOString())
      .execute();
    const back = await this.#returned(at - expiry);
    this.#checked = at;
    await this.log.record(
      [...fell, ...back].map((b) => ({ project: b.project, kind: 'instance', resource: b.id })),
    );
    for (const b of fell) this.#silent.set(b.id, b.at);
    for (const b of back) this.#silent.delete(b.id);
  }

  async #returned(freshAfter: number): Promise<Beat[]> {
    const ids = [...this.#silent.keys()];
    if (ids.length === 0) return [];
    const rows = await this.#beats().where('instances.id', 'in', ids).execute();
    const gone = ids.filter((id) => !rows.some((r) => r.id === id));
    for (const id of gone) this.#silent.delete(id);
    const fresh = new Date(freshAfter).toISOString();
    return rows.filter((r) => r.at >= fresh);
  }

  /** Heartbeats of live instances whose status a silence would change (as statusOf decides). */
  #beats() {
    return this.db
      .selectFrom('service_statuses')
      .innerJoin('instances', 'instances.id', 'service_statuses.instance_id')
      .select([
        'instances.id',
        'instances.tenant_id as project',
        'service_statuses.updated_at as at',
      ])
      .where('instances.deleted_at', 'is', null)
      .where('instances.task_status', '=', 'NONE')
      .where('service_statuses.status', '<>', 'restart required');
  }
}
