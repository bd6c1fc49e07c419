// Quotas with Trove's resources and defaults. Consuming is one conditional UPDATE per resource
// inside the caller's transaction: it succeeds only within the limit, so two concurrent creates
// cannot both take the last slot, and a failed request rolls its reservation back with the rest.

import { sql, type Kysely, type Transaction } from 'kysely';
import { QuotaExceeded } from '@cellar/plugin-api';
import type { Database } from '../db/schema.js';

export const quotaResources = ['instances', 'ram', 'volumes', 'backups'] as const;
export type QuotaResource = (typeof quotaResources)[number];
export type QuotaDefaults = Readonly<Record<QuotaResource, number>>;

/** A resource name read back from the control database is one Cellar counts. */
const isQuotaResource = (name: string): name is QuotaResource =>
  (quotaResources as readonly string[]).includes(name);

export interface QuotaUsage {
  readonly resource: QuotaResource;
  readonly in_use: number;
  readonly reserved: number;
  readonly limit: number;
}

export class Quotas {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly defaults: QuotaDefaults,
  ) {}

  async limits(
    tenant: string,
    db: Kysely<Database> = this.db,
  ): Promise<Record<QuotaResource, number>> {
    const overrides = await db
      .selectFrom('quotas')
      .select(['resource', 'hard_limit'])
      .where('tenant_id', '=', tenant)
      .execute();
    const limits = { ...this.defaults };
    for (const o of overrides) if (isQuotaResource(o.resource)) limits[o.resource] = o.hard_limit;
    return limits;
  }

  async usage(tenant: string): Promise<QuotaUsage[]> {
    const limits = await this.limits(tenant);
    const rows = await this.db
      .selectFrom('quota_usages')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .execute();
    return quotaResources.map((resource) => {
      const row = rows.find((r) => r.resource === resource);
      return {
        resource,
        in_use: row?.in_use ?? 0,
        reserved: row?.reserved ?? 0,
        limit: limits[resource],
      };
    });
  }

  async setLimits(tenant: string, limits: Partial<Record<QuotaResource, number>>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const [resource, hard_limit] of Object.entries(limits)) {
        await trx
          .insertInto('quotas')
          .values({ tenant_id: tenant, resource, hard_limit })
          .onConflict((c) => c.columns(['tenant_id', 'resource']).doUpdateSet({ hard_limit }))
          .execute();
      }
    });
  }

  /** Takes the deltas inside `trx`, or throws QuotaExceeded naming every resource that is short. */
  async consume(
    trx: Transaction<Database>,
    tenant: string,
    deltas: Partial<Record<QuotaResource, number>>,
  ): Promise<void> {
    const limits = await this.limits(tenant, trx);
    const short: string[] = [];
    for (const [resource, delta] of Object.entries(deltas) as [QuotaResource, number][]) {
      if (delta === 0) continue;
      await trx
        .insertInto('quota_usages')
        .values({ tenant_id: tenant, resource, in_use: 0, reserved: 0 })
        .onConflict((c) => c.doNothing())
        .execute();
      const limit = limits[resource];
      let update = trx
        .updateTable('quota_usages')
        .set((eb) => ({ in_use: eb('in_use', '+', delta) }))
        .where('tenant_id', '=', tenant)
        .where('resource', '=', resource);
      if (limit >= 0 && delta > 0)
        update = update.where((eb) => eb(eb('in_use', '+', delta), '<=', limit));
      const result = await update.executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) short.push(resource);
    }
    if (short.length > 0)
      throw new QuotaExceeded({ resources: `[${short.map((r) => `'${r}'`).join(', ')}]` });
  }

  /** Gives resources back (a delete), never below zero. */
  async release(
    trx: Transaction<Database>,
    tenant: string,
    amounts: Partial<Record<QuotaResource, number>>,
  ): Promise<void> {
    for (const [resource, amount] of Object.entries(amounts)) {
      if (!amount) continue;
      await trx
        .updateTable('quota_usages')
        .set({
          in_use: sql<number>`CASE WHEN in_use < ${amount} THEN 0 ELSE in_use - ${amount} END`,
        })
        .where('tenant_id', '=', tenant)
        .where('resource', '=', resource)
        .execute();
    }
  }
}
