import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Capability } from '../capabilities.js';
import { defineDatastoreGuest, defineDatastoreOptions, defineDatastoreServer } from '../define.js';
import { DatastoreOperationNotSupported } from '../errors/catalog.js';
import { BaseDatastoreManager, type GuestContext } from '../manager/base-datastore-manager.js';
import type {
  DatabaseSpec,
  ListParams,
  Page,
  PrepareRequest,
  ServiceStatus,
  UserInfo,
  UserRef,
  UserSpec,
} from '../manager/guest-types.js';
import type { PluginManifest } from '../manifest.js';
import { opt } from '../options/options.js';
import { standardGuestOptions, standardServerOptions } from '../options/standard-options.js';
import {
  checkGuestCapabilities,
  checkLive,
  checkOptions,
  checkServer,
  offlineContext,
  type DatastoreUnderTest,
} from './conformance.js';

const options = defineDatastoreOptions({
  name: 'memory',
  server: standardServerOptions({
    datastore: 'memory',
    tcpPorts: ['7000'],
    usageTimeout: 60,
    backupStrategy: '',
    replicationStrategy: '',
  }),
  guest: standardGuestOptions({
    datastore: 'memory',
    mountPoint: '/var/lib/memory',
    backupStrategy: '',
    replicationStrategy: '',
  }),
});

/** A datastore whose "server" is a few maps: enough to exercise every live check. */
class MemoryManager extends BaseDatastoreManager {
  readonly dbs = new Set<string>();
  readonly users = new Map<string, string>();
  root = false;
  async prepare(_request: PrepareRequest): Promise<void> {}
  async restart(): Promise<void> {}
  async stopDb(): Promise<void> {}
  async getServiceStatus(): Promise<ServiceStatus> {
    return 'healthy';
  }
  override async createDatabase(databases: readonly DatabaseSpec[]): Promise<void> {
    for (const d of databases) this.dbs.add(d.name);
  }
  override async listDatabases(_params: ListParams): Promise<Page<DatabaseSpec>> {
    return { items: [...this.dbs].map((name) => ({ name })) };
  }
  override async deleteDatabase(database: DatabaseSpec): Promise<void> {
    this.dbs.delete(database.name);
  }
  override async createUser(users: readonly UserSpec[]): Promise<void> {
    for (const u of users) this.users.set(u.name, u.password ?? '');
  }
  override async listUsers(_params: ListParams): Promise<Page<UserInfo>> {
    return { items: [...this.users.keys()].map((name) => ({ name, databases: [] })) };
  }
  override async getUser(user: UserRef): Promise<UserInfo | undefined> {
    return this.users.has(user.name) ? { name: user.name, databases: [] } : undefined;
  }
  override async deleteUser(user: UserRef): Promise<void> {
    this.users.delete(user.name);
  }
  override async changePasswords(
    users: readonly (UserRef & { readonly password: string })[],
  ): Promise<void> {
    for (const u of users) this.users.set(u.name, u.password);
  }
  override async updateAttributes(): Promise<void> {}
}

function subject(capabilities: Capability[], manager = MemoryManager): DatastoreUnderTest {
  const manifest: PluginManifest = {
    plugin: 1,
    kind: 'datastore',
    name: 'memory',
    capabilities,
    entryPoints: [],
  };
  return { manifest, options, guest: defineDatastoreGuest({ name: 'memory', manager }) };
}

async function withManager<T>(
  s: DatastoreUnderTest,
  fn: (m: MemoryManager) => Promise<T>,
): Promise<T> {
  const offline = await offlineContext(s);
  try {
    return await fn(new MemoryManager(offline.context as GuestContext));
  } finally {
    await offline.dispose();
  }
}

test('a manager that implements exactly what it declares conforms, live checks included', async () => {
  const s = subject(['databases', 'users']);
  assert.deepEqual(checkOptions(s), []);
  assert.deepEqual(await withManager(s, (m) => checkGuestCapabilities(s, m)), []);
  assert.deepEqual(await withManager(s, (m) => checkLive(s, m)), []);
});

test('a declared capability without its methods is named', async () => {
  const s = subject(['databases', 'users', 'root']);
  const problems = await withManager(s, (m) => checkGuestCapabilities(s, m));
  assert.ok(
    problems.some((p) =>
      p.includes("enable_root: capability 'root' is declared but enableRoot() is not implemented"),
    ),
    problems.join('\n'),
  );
});

test('an implemented but undeclared capability is named', async () => {
  const s = subject(['databases']);
  const problems = await withManager(s, (m) => checkGuestCapabilities(s, m));
  assert.ok(
    problems.some((p) =>
      p.startsWith(
        "create_user: createUser() is implemented but capability 'users' is not declared",
      ),
    ),
    problems.join('\n'),
  );
});

test('the base refuses every optional operation with the typed error naming datastore and operation', async () => {
  const s = subject([]);
  await withManager(s, async (m) => {
    await assert.rejects(m.createBackup({ id: 'b1' }), (e: unknown) => {
      assert.ok(e instanceof DatastoreOperationNotSupported);
      assert.equal(
        e.message,
        "The 'create_backup' operation is not supported for the 'memory' datastore.",
      );
      return true;
    });
  });
});

test('option defaults that do not survive a round trip through a file are reported', () => {
  const broken = {
    ...options,
    guest: {
      ...options.guest,
      options: {
        ...options.guest.options,
        odd: { ...opt.str({ help: 'h' }), default: 42 as unknown as string },
      },
    },
  };
  const s = {
    ...subject([]),
    options: Object.assign(broken, {
      [Symbol.for('cellar.plugin.brand')]: {
        contract: 1,
        kind: 'datastore.options',
        name: 'memory',
      },
    }),
  };
  const problems = checkOptions(s);
  assert.ok(
    problems.some((p) =>
      p.startsWith('option [memory] odd (guest): the default does not match its own schema'),
    ),
    problems.join('\n'),
  );
});

test('a server half whose unavailable is not a function is reported; one that says why passes', () => {
  const server = (unavailable: unknown) => ({
    ...subject([]),
    server: defineDatastoreServer({
      name: 'memory',
      versions: async () => [],
      unavailable: unavailable as () => Promise<{ reason: string }>,
    }),
  });
  assert.deepEqual(checkServer(server('memcached is missing')), [
    'cellar.datastore.server: unavailable must be a function',
  ]);
  assert.deepEqual(
    checkServer(server(async () => ({ reason: 'no memcached', debianPackage: 'memcached' }))),
    [],
  );
});
