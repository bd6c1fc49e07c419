// A list request as Trove's clients send it: filters, all_projects or another project_id (which
// the caller must be allowed), and a page of at most the page size with a link to the next one.

import { listBackups } from './reads.js';
import type { BackupView } from './views.js';

export interface BackupListQuery {
  readonly instance_id?: string | undefined;
  readonly datastore?: string | undefined;
  readonly project_id?: string | undefined;
  readonly all_projects?: string | undefined;
  readonly limit?: string | undefined;
  readonly marker?: string | undefined;
}

export interface BackupListRequest {
  readonly tenant: string;
  readonly query: BackupListQuery;
  readonly pageSize: number;
  /** The list's URL without its query: the next page's link is made from it. */
  readonly url: string;
  /** Throws when the caller may not list other projects' backups. */
  readonly allowAllProjects: () => void;
}

const isTrue = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes)$/i.test(v);

export async function listBackupPage(
  db: Parameters<typeof listBackups>[0],
  request: BackupListRequest,
): Promise<{ backups: BackupView[]; links?: { rel: 'next'; href: string }[] }> {
  const { tenant, query: q, pageSize } = request;
  const all = isTrue(q.all_projects);
  if (all || (q.project_id !== undefined && q.project_id !== tenant)) request.allowAllProjects();
  const limit = Math.min(Number(q.limit ?? pageSize) || pageSize, pageSize);
  const listing = await listBackups(
    db,
    {
      tenant: all ? q.project_id : (q.project_id ?? tenant),
      instanceId: q.instance_id,
      datastore: q.datastore,
    },
    { limit, marker: q.marker },
  );
  if (listing.next === undefined) return { backups: listing.backups };
  const next = new URLSearchParams({
    ...Object.fromEntries(
      Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    limit: String(limit),
    marker: listing.next,
  });
  return {
    backups: listing.backups,
    links: [{ rel: 'next', href: `${request.url}?${next.toString()}` }],
  };
}
