// Authentication against tempauth (v1.0) or Keystone v3: both end in a token and the storage URL
// of Cellar's own account, so everything after them is one code path.

import { request } from 'undici';
import { BackupStorageFailed, BackupStorageRefused } from '@cellar/plugin-api';

export interface SwiftAuthOptions {
  readonly auth_url: string;
  readonly auth_version: string;
  readonly user: string;
  readonly key: string;
  readonly project_name: string;
  readonly user_domain_name: string;
  readonly project_domain_name: string;
  readonly region_name: string;
  readonly endpoint_type: string;
  readonly timeout: number;
}

export interface SwiftSession {
  readonly token: string;
  /** `http://proxy/v1/AUTH_<account>`, without a trailing slash. */
  readonly storageUrl: string;
}

const refused = (reason: string): Error =>
  new BackupStorageRefused({ storage: 'swift', operation: 'authenticate', reason });

function unreachable(url: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new BackupStorageFailed(
    { storage: 'swift', operation: 'authenticate at', object: url, reason },
    { cause },
  );
}

async function tempauth(o: SwiftAuthOptions, signal: AbortSignal): Promise<SwiftSession> {
  const response = await request(o.auth_url, {
    headers: { 'x-auth-user': o.user, 'x-auth-key': o.key },
    signal,
  });
  await response.body.dump();
  const token = response.headers['x-auth-token'];
  const storageUrl = response.headers['x-storage-url'];
  if (response.statusCode === 401 || response.statusCode === 403)
    throw refused(`${o.auth_url} did not accept user ${o.user} (${response.statusCode})`);
  if (response.statusCode >= 300 || typeof token !== 'string' || typeof storageUrl !== 'string')
    throw unreachable(o.auth_url, new Error(`HTTP ${response.statusCode}`));
  return { token, storageUrl: storageUrl.replace(/\/+$/, '') };
}

interface CatalogEntry {
  readonly type?: string;
  readonly endpoints?: readonly { interface?: string; region?: string; url?: string }[];
}

async function keystone(o: SwiftAuthOptions, signal: AbortSignal): Promise<SwiftSession> {
  const url = `${o.auth_url.replace(/\/+$/, '')}/auth/tokens`;
  const body = {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: o.user, domain: { name: o.user_domain_name }, password: o.key },
        },
      },
      scope: { project: { name: o.project_name, domain: { name: o.project_domain_name } } },
    },
  };
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  const token = response.headers['x-subject-token'];
  const answer = (await response.body.json().catch(() => ({}))) as {
    token?: { catalog?: readonly CatalogEntry[] };
  };
  if (response.statusCode === 401 || response.statusCode === 403)
    throw refused(
      `Keystone at ${o.auth_url} did not accept user ${o.user} (${response.statusCode})`,
    );
  if (response.statusCode >= 300 || typeof token !== 'string')
    throw unreachable(o.auth_url, new Error(`HTTP ${response.statusCode}`));
  const endpoint = (answer.token?.catalog ?? [])
    .filter((s) => s.type === 'object-store')
    .flatMap((s) => s.endpoints ?? [])
    .find(
      (e) =>
        e.interface === o.endpoint_type && (o.region_name === '' || e.region === o.region_name),
    );
  if (endpoint?.url === undefined)
    throw refused(`the token's catalog has no ${o.endpoint_type} object-store endpoint`);
  return { token, storageUrl: endpoint.url.replace(/\/+$/, '') };
}

/** A fresh token and storage URL. */
export async function authenticate(o: SwiftAuthOptions): Promise<SwiftSession> {
  const signal = AbortSignal.timeout(o.timeout * 1000);
  try {
    return await (o.auth_version === '3' ? keystone(o, signal) : tempauth(o, signal));
  } catch (error) {
    if (error instanceof BackupStorageRefused || error instanceof BackupStorageFailed) throw error;
    throw unreachable(o.auth_url, error);
  }
}
