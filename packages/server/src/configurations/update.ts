// Changing a group's values: PUT replaces them (and name and description when given), PATCH
// merges them; either is checked, then applied to every instance the group is attached to
// through a configure operation each. With `dryRun`, the answer says what would change.

import type { ProjectScope } from '../policy/admin-context.js';
import type { InstanceDeps } from '../instances/deps.js';
import { loadInstance } from '../instances/lookup.js';
import { now } from '../db/schema.js';
import { checkIdle, dryRunView, planFor, startConfigure, type DryRunView } from './apply.js';
import { flavorFit } from './attach.js';
import { catalogOf } from './catalog.js';
import { attachedInstances } from './groups.js';
import { configurationValues, loadConfiguration, versionNames, writeValues } from './lookup.js';
import type { UpdateConfigurationRequest } from './requests.js';
import { checkValues } from './values.js';

export async function updateConfiguration(
  deps: InstanceDeps,
  tenant: ProjectScope,
  id: string,
  body: UpdateConfigurationRequest,
  mode: 'replace' | 'merge',
  dryRun: boolean,
): Promise<DryRunView | undefined> {
  const row = await loadConfiguration(deps.db, tenant, id);
  const version = await versionNames(deps.db, row.datastore_version_id);
  const catalog = catalogOf(deps.datastores, version.datastore, version.version);
  const instances = await Promise.all(
    (await attachedInstances(deps, row.id)).map((i) => loadInstance(deps.db, tenant, i.id)),
  );
  const fits = await Promise.all(
    instances.map((i) => flavorFit(deps.db, i.flavor_id, `instance ${i.id}`)),
  );
  const given = checkValues(catalog, body.values, fits);
  const previous = await configurationValues(deps.db, row.id);
  const next = mode === 'replace' ? given : { ...previous, ...given };
  const plans = instances
    .map((i) =>
      planFor(
        i,
        { configuration: row.id, values: previous },
        { configuration: row.id, values: next },
        catalog.parameters,
      ),
    )
    .filter((p) => p.changes.changes.length > 0);
  if (dryRun) return dryRunView(row.id, plans);
  // Every instance must be able to take it before anything is written.
  for (const p of plans) checkIdle(deps, p.instance);
  await deps.db.transaction().execute(async (trx) => {
    await writeValues(trx, row.id, next);
    await trx
      .updateTable('configurations')
      .set({
        updated_at: now(),
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.description === undefined ? {} : { description: body.description ?? '' }),
      })
      .where('id', '=', row.id)
      .execute();
  });
  for (const p of plans) await startConfigure(deps, p);
  return undefined;
}
