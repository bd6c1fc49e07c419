// The datastores this control plane offers: the enabled plugins' server halves, and their version
// catalogs synced into the control database so versions keep stable ids across restarts.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  namespaces,
  type Capability,
  type DatastoreServer,
  type DatastoreUnavailable,
} from '@cellar/plugin-api';
import { namedExtensionManager, type InstalledPlugin, type PluginHost } from '@cellar/plugins';
import type { Database } from '../db/schema.js';
import { unavailability } from './availability.js';

export interface Datastore {
  readonly name: string;
  readonly package: string;
  readonly version: string;
  readonly capabilities: readonly Capability[];
  /** Absent while the plugin has no server half: it is listed but has no versions. */
  readonly server?: DatastoreServer;
  /** Why this host cannot run it (no version installed): listed, and creates are refused. */
  readonly unavailable?: DatastoreUnavailable;
}

export async function loadDatastores(
  host: PluginHost,
  enabled: readonly InstalledPlugin[],
): Promise<Datastore[]> {
  const withServer = enabled.filter((p) =>
    p.manifest.entryPoints.some((e) => e.namespace === namespaces.datastoreServer),
  );
  const servers = await namedExtensionManager<DatastoreServer>(
    host,
    namespaces.datastoreServer,
    withServer.map((p) => p.manifest.name),
  );
  return Promise.all(
    enabled.map(async (p) => {
      const server = servers.find((s) => s.name === p.manifest.name)?.obj;
      const unavailable = await unavailability(p.manifest.name, server);
      return {
        name: p.manifest.name,
        package: p.package,
        version: p.version,
        capabilities: p.manifest.capabilities,
        ...(server ? { server } : {}),
        ...(unavailable ? { unavailable } : {}),
      };
    }),
  );
}

/**
 * Records every enabled datastore and the versions its catalog finds on this host. Versions
 * no longer found stay (instances refer to them) but become inactive, as do those an
 * administrator disabled; the default is the one an administrator chose while it is active, else
 * the newest active one.
 */
export async function syncCatalog(
  db: Kysely<Database>,
  datastores: readonly Datastore[],
): Promise<void> {
  for (const ds of datastores) {
    const found = ds.server ? await ds.server.versions() : [];
    await db.transaction().execute(async (trx) => {
      let row = await trx
        .selectFrom('datastores')
        .selectAll()
        .where('name', '=', ds.name)
        .executeTakeFirst();
      if (!row) {
        row = { id: randomUUID(), name: ds.name, default_version_id: null, default_chosen: 0 };
        await trx.insertInto('datastores').values(row).execute();
      }
      const known = await trx
        .selectFrom('datastore_versions')
        .selectAll()
        .where('datastore_id', '=', row.id)
        .execute();
      let defaultId: string | null = null;
      let chosen: string | null = null;
      for (const v of found) {
        const existing = known.find((k) => k.name === v.name);
        const id = existing?.id ?? randomUUID();
        const active = v.active && existing?.disabled !== 1;
        if (existing) {
          await trx
            .updateTable('datastore_versions')
            .set({ location: v.location, active: active ? 1 : 0, manager: ds.name })
            .where('id', '=', id)
            .execute();
        } else {
          await trx
            .insertInto('datastore_versions')
            .values({
              id,
              datastore_id: row.id,
              name: v.name,
              manager: ds.name,
              location: v.location,
              active: v.active ? 1 : 0,
            })
            .execute();
        }
        if (active && row.default_chosen === 1 && row.default_version_id === id) chosen = id;
        if (defaultId === null && active) defaultId = id;
      }
      const gone = known.filter((k) => !found.some((v) => v.name === k.name)).map((k) => k.id);
      if (gone.length > 0)
        await trx
          .updateTable('datastore_versions')
          .set({ active: 0 })
          .where('id', 'in', gone)
          .execute();
      await trx
        .updateTable('datastores')
        .set({ default_version_id: chosen ?? defaultId, default_chosen: chosen === null ? 0 : 1 })
        .where('id', '=', row.id)
        .execute();
    });
  }
}
