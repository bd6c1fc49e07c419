// Reading instances as clients see them: list pages and one instance's detail, as JSON text.
// Both are polled, so both are served from rows kept while the control database does not change
// (ReadCache) and views rendered once per row (RenderedViews): a read that finds nothing new
// costs one change-stamp query.

import { BadRequest, NotFound } from '@cellar/plugin-api';
import { RecoverableWindows, type RecoverableWindowView } from '../backups/recoverable-window.js';
import { restorePointOf } from '../backups/restore-point.js';
import { configurationRef } from '../configurations/lookup.js';
import { ReadCache } from '../db/read-cache.js';
import type { InstanceDeps } from './deps.js';
import type { ProjectScope } from '../policy/admin-context.js';
import { findInstance, InstanceLists, type Fault } from './lookup.js';
import { RenderedViews } from './rendered.js';
import { VolumeUsage } from './volume-usage.js';
import {
  detailView,
  statusOf,
  type InstanceDetailView,
  type InstanceRow,
  type RestorePoint,
  type ViewContext,
} from './views.js';
import {
  replicationLinks,
  replicationStateView,
  type ReplicationLinks,
  type ReplicationStateView,
} from '../replication/views.js';

export interface PageQuery {
  readonly limit?: string | undefined;
  readonly marker?: string | undefined;
}

interface Shown {
  readonly row: InstanceRow;
  readonly fault: Fault | undefined;
  readonly restorePoint: RestorePoint | undefined;
  readonly configuration: { readonly id: string; readonly name: string } | undefined;
  readonly replicationLinks: ReplicationLinks | undefined;
  readonly replication: ReplicationStateView | undefined;
}

export class InstanceReads {
  readonly #lists: InstanceLists;
  readonly #rendered = new RenderedViews();
  readonly #shown: ReadCache<Shown | undefined>;
  readonly #pageSize: number;
  readonly #volumes: VolumeUsage;
  readonly #windows: RecoverableWindows;

  constructor(private readonly deps: InstanceDeps) {
    this.#windows = new RecoverableWindows(deps);
    this.#lists = new InstanceLists(deps.db, deps.changeStamp);
    this.#shown = new ReadCache(deps.changeStamp);
    this.#pageSize = deps.pageSize ?? 20;
    this.#volumes = new VolumeUsage(deps.guest);
  }

  /** A page of the project's instances: `{"instances": [...], "links": [...]}` as text. */
  async list(v: ViewContext, view: 'summary' | 'detail', query: PageQuery): Promise<string> {
    const pageSize = this.#pageSize;
    const limit = Math.min(Number(query.limit ?? pageSize) || pageSize, pageSize);
    const marker = query.marker;
    // One row past the page says whether there is a next one.
    const listing = await this.#lists.listing(v.tenant, limit + 1, marker, view === 'detail');
    if (!listing)
      throw new BadRequest({ reason: `marker ${marker ?? ''} is not an instance of this project` });
    const shown = listing.rows.slice(0, limit);
    const links = await replicationLinks(
      this.deps.db,
      shown.map((r) => r.id),
    );
    const instances = shown.map((r) =>
      view === 'summary'
        ? this.#rendered.summary(r, v, links.get(r.id))
        : this.#rendered.detail(r, v, listing.faults.get(r.id), {
            replicationLinks: links.get(r.id),
          }),
    );
    const last = shown.at(-1);
    const path = view === 'summary' ? 'instances' : 'instances/detail';
    const next =
      listing.rows.length > limit && last
        ? `,"links":${JSON.stringify([
            {
              rel: 'next',
              href: `${v.base}/v1.0/${v.tenant}/${path}?limit=${limit}&marker=${last.id}`,
            },
          ])}`
        : '';
    // The rows come rendered: the body is put together as text.
    return `{"instances":[${instances.join(',')}]${next}}`;
  }

  /**
   * Instance `id` within `scope` (a project, or every project for an admin; no default, since an
   * undefined argument would take it): `{"instance": {...}}` as text; 404 when there is none.
   */
  async show(v: ViewContext, id: string, scope: ProjectScope): Promise<string> {
    const { row, fault, ...kept } = await this.#find(scope, id);
    const asked = this.#volumeUsed(row, v.now);
    const [volumeUsed, recoverableWindow] = await Promise.all([asked, this.#window(row)]);
    const shown = this.#rendered.detail(row, v, fault, {
      volumeUsed,
      recoverableWindow,
      ...kept,
    });
    return `{"instance":${shown}}`;
  }

  /** The window an instance can be restored to, where its datastore archives for it. */
  #window(row: InstanceRow): Promise<RecoverableWindowView> | undefined {
    const pitr = this.deps.datastores.get(row.datastore)?.pointInTime;
    return pitr && this.#windows.of(pitr, row.tenant_id, row.id);
  }

  /** A new instance's detail, with the root password generated for it (shown only here). */
  async created(v: ViewContext, id: string, password?: string): Promise<InstanceDetailView> {
    const { row, fault, restorePoint, configuration, replicationLinks } = await this.#find(
      v.tenant,
      id,
    );
    return detailView(row, v, {
      fault,
      restorePoint,
      configuration,
      replicationLinks,
      ...(password === undefined ? {} : { password }),
    });
  }

  async #find(scope: ProjectScope, id: string): Promise<Shown> {
    // No project id is empty, so the empty key is every project's.
    const shown = await this.#shown.get(`${scope ?? ''}\0${id}`, async () => {
      const row = await findInstance(this.deps.db, scope, id);
      return (
        row && {
          row,
          fault: (await this.#lists.faults([row.id])).get(row.id),
          restorePoint: await restorePointOf(this.deps.db, row.id),
          configuration: await configurationRef(this.deps.db, row.configuration_id),
          // Replication links and the last reported state: kept with the rest while the
          // control database does not change (a heartbeat's new state is a write).
          replicationLinks: (await replicationLinks(this.deps.db, [row.id])).get(row.id),
          replication: await replicationStateView(this.deps.db, row.id),
        }
      );
    });
    if (!shown) throw new NotFound({ resource: 'Instance', id });
    return shown;
  }

  /** The space used on a ready instance's volume (Trove shows it too); absent when unknown. */
  #volumeUsed(row: InstanceRow, now: Date): Promise<number | undefined> | undefined {
    const ready =
      row.task_status === 'NONE' &&
      row.address !== null &&
      row.volume_size !== null &&
      ['healthy', 'running'].includes(
        statusOf(row, now, this.deps.heartbeatExpiry).effectiveServiceStatus,
      );
    return ready ? this.#volumes.used(row, now.getTime()) : undefined;
  }
}
