// The checks every datastore plugin must pass, as plain functions returning problems, so any test
// runner can use them; index.ts wraps them for node:test.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { guestOperations } from '../manager/guest-operations.js';
import type { GuestOperation } from '../manager/guest-operation-views.js';
import { brandOf, CONTRACT_MAJOR, namespaces, type ExportKind } from '../contract.js';
import type { ConfigurationParameter } from '../configuration/parameters.js';
import type { DatastoreGuest, DatastoreOptions, DatastoreServer } from '../define.js';
import { DatastoreOperationNotSupported } from '../errors/catalog.js';
import { isCellarError } from '../errors/cellar-error.js';
import { BaseDatastoreManager, type GuestContext } from '../manager/base-datastore-manager.js';
import type { PluginManifest } from '../manifest.js';
import type { OptionGroup } from '../options/options.js';

export interface DatastoreUnderTest {
  readonly manifest: PluginManifest;
  readonly options: unknown;
  readonly server?: unknown;
  readonly guest?: unknown;
  /** Every backup and restore strategy entry, by name; a load failure as the Error it threw. */
  readonly strategies?: {
    readonly backup: Readonly<Record<string, unknown>>;
    readonly restore: Readonly<Record<string, unknown>>;
  };
}

/**
 * Capabilities the guest agent serves itself, with the datastore's strategies: create_backup and
 * restores need no manager method (checkStrategies checks the strategies instead).
 */
const servedByTheAgent = new Set<string>(['backup', 'restore']);

/** A real server to run the live checks against; the harness prepares and removes it. */
export interface LiveHarness {
  /** A manager whose `prepare` has run against a real, running server. */
  createManager(): Promise<BaseDatastoreManager<unknown>>;
  dispose(): Promise<void>;
}

function checkBrand(value: unknown, kind: ExportKind, name: string, what: string): string[] {
  const b = brandOf(value);
  if (!b)
    return [
      `${what}: the default export was not made by define${kind === 'datastore.options' ? 'DatastoreOptions' : kind === 'datastore.server' ? 'DatastoreServer' : 'DatastoreGuest'}()`,
    ];
  const problems: string[] = [];
  if (b.contract !== CONTRACT_MAJOR)
    problems.push(
      `${what}: built for contract ${b.contract}, this kit checks contract ${CONTRACT_MAJOR}`,
    );
  if (b.kind !== kind) problems.push(`${what}: exports a ${b.kind}, expected a ${kind}`);
  if (b.name !== name)
    problems.push(`${what}: is named '${b.name}', the package's cellar.name is '${name}'`);
  return problems;
}

function checkGroup(
  group: OptionGroup | undefined,
  side: 'server' | 'guest',
  name: string,
): string[] {
  if (!group) return [`options: no ${side} group`];
  const problems: string[] = [];
  if (group.name !== name)
    problems.push(`options: the ${side} group is named '${group.name}', expected '${name}'`);
  if (group.side !== side) problems.push(`options: the ${side} group says side '${group.side}'`);
  for (const [key, option] of Object.entries(group.options)) {
    const where = `option [${group.name}] ${key} (${side})`;
    if (option.help.trim() === '') problems.push(`${where}: no help text`);
    if (option.default !== undefined) {
      if (!Value.Check(option.type.schema, option.default))
        problems.push(`${where}: the default does not match its own schema`);
      const problem = option.type.check(option.default);
      if (problem) problems.push(`${where}: the default is invalid: ${problem}`);
      const parsed = option.type.parse(option.type.format(option.default));
      if (!parsed.ok || JSON.stringify(parsed.value) !== JSON.stringify(option.default)) {
        problems.push(
          `${where}: the default does not survive being written to a file and read back`,
        );
      }
    }
    if (option.required && option.default !== undefined)
      problems.push(`${where}: required options have no default`);
  }
  return problems;
}

/** Checks the option groups: names, sides, help, and that every default validates against its own schema. */
export function checkOptions(subject: DatastoreUnderTest): string[] {
  const name = subject.manifest.name;
  const problems = checkBrand(
    subject.options,
    'datastore.options',
    name,
    namespaces.datastoreOptions,
  );
  if (problems.length > 0) return problems;
  const options = subject.options as DatastoreOptions;
  return [
    ...checkGroup(options.server, 'server', name),
    ...checkGroup(options.guest, 'guest', name),
  ];
}

/**
 * A datastore declaring `configuration` answers a catalog for each of its installed versions:
 * parameters with a name, a known type, bounds in order and choices only on strings.
 */
export async function checkConfiguration(subject: DatastoreUnderTest): Promise<string[]> {
  if (!subject.manifest.capabilities.includes('configuration')) return [];
  const where = namespaces.datastoreServer;
  const server = subject.server as DatastoreServer | undefined;
  const configuration = server?.configuration;
  if (configuration === undefined || typeof configuration.parameters !== 'function')
    return [
      `${where}: capability 'configuration' is declared but configuration.parameters() is missing`,
    ];
  const problems: string[] = [];
  for (const { name: version } of await (server as DatastoreServer).versions()) {
    const catalog = configuration.parameters(version);
    if (catalog === undefined || catalog.length === 0) {
      problems.push(
        `${where}: configuration.parameters('${version}') answers no catalog for an installed version`,
      );
      continue;
    }
    for (const p of catalog)
      problems.push(
        ...parameterProblems(p).map((m) => `${where}: version ${version}: ${p.name}: ${m}`),
      );
  }
  return problems;
}

function parameterProblems(p: ConfigurationParameter): string[] {
  const problems: string[] = [];
  if (typeof p.name !== 'string' || p.name === '') problems.push('no name');
  if (!['integer', 'float', 'string', 'boolean'].includes(p.type))
    problems.push(`type '${String(p.type)}' is not integer, float, string or boolean`);
  if (typeof p.restartRequired !== 'boolean') problems.push('restartRequired is not a boolean');
  if (p.min !== undefined && p.max !== undefined && p.min > p.max)
    problems.push(`min ${p.min} is above max ${p.max}`);
  if (p.choices !== undefined && p.type !== 'string')
    problems.push('choices on a parameter that is not a string');
  if (p.bytesPerUnit !== undefined && !(p.bytesPerUnit > 0))
    problems.push('bytesPerUnit is not positive');
  return problems;
}

export function checkServer(subject: DatastoreUnderTest): string[] {
  const problems = checkBrand(
    subject.server,
    'datastore.server',
    subject.manifest.name,
    namespaces.datastoreServer,
  );
  if (problems.length > 0) return problems;
  const server = subject.server as DatastoreServer;
  return [
    ...(typeof server.versions === 'function'
      ? []
      : [`${namespaces.datastoreServer}: versions() is missing`]),
    ...(server.unavailable === undefined || typeof server.unavailable === 'function'
      ? []
      : [`${namespaces.datastoreServer}: unavailable must be a function`]),
  ];
}

function isOverridden(manager: object, method: string): boolean {
  const own = (manager as Record<string, unknown>)[method];
  const base = (BaseDatastoreManager.prototype as unknown as Record<string, unknown>)[method];
  return typeof own === 'function' && own !== base;
}

/** A context for constructing a manager without a server: manager constructors must not touch one. */
export async function offlineContext(
  subject: DatastoreUnderTest,
): Promise<{ context: GuestContext<unknown>; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-conformance-'));
  const options = subject.options as DatastoreOptions;
  const defaults = Object.fromEntries(
    Object.entries(options.guest.options).map(([k, o]) => [k, o.default]),
  );
  const quiet = (): void => undefined;
  return {
    context: {
      datastore: subject.manifest.name,
      guestId: '00000000-0000-4000-8000-000000000000',
      options: defaults,
      mountPoint: dir,
      address: '127.0.0.1',
      runDir: dir,
      logDir: dir,
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Declared capabilities are implemented; core operations exist; every operation of an undeclared
 * capability is left to the base class and, when called, rejects with DatastoreOperationNotSupported
 * naming the datastore and the operation.
 */
export async function checkGuestCapabilities(
  subject: DatastoreUnderTest,
  manager: object,
): Promise<string[]> {
  const name = subject.manifest.name;
  const declared = new Set<string>(subject.manifest.capabilities);
  const problems: string[] = [];
  for (const [operation, { method, capability }] of Object.entries(guestOperations) as [
    GuestOperation,
    (typeof guestOperations)[GuestOperation],
  ][]) {
    const fn = (manager as Record<string, unknown>)[method];
    if (capability === 'core') {
      if (typeof fn !== 'function')
        problems.push(`${operation}: every datastore must implement ${method}()`);
      continue;
    }
    if (declared.has(capability)) {
      if (!isOverridden(manager, method) && !servedByTheAgent.has(capability)) {
        problems.push(
          `${operation}: capability '${capability}' is declared but ${method}() is not implemented`,
        );
      }
      continue;
    }
    if (isOverridden(manager, method)) {
      problems.push(
        `${operation}: ${method}() is implemented but capability '${capability}' is not declared; declare it or remove the method`,
      );
      continue;
    }
    try {
      await (fn as () => Promise<unknown>).call(manager);
      problems.push(`${operation}: undeclared, yet ${method}() returned instead of refusing`);
    } catch (error) {
      if (!(error instanceof DatastoreOperationNotSupported)) {
        problems.push(
          `${operation}: undeclared; expected DatastoreOperationNotSupported, got ${isCellarError(error) ? error.code : String(error)}`,
        );
      } else if (error.details['operation'] !== operation || error.details['datastore'] !== name) {
        problems.push(
          `${operation}: the refusal names '${String(error.details['operation'])}' on '${String(error.details['datastore'])}'`,
        );
      }
    }
  }
  return problems;
}

export function checkGuestEntry(subject: DatastoreUnderTest): string[] {
  const problems = checkBrand(
    subject.guest,
    'datastore.guest',
    subject.manifest.name,
    namespaces.datastoreGuest,
  );
  if (problems.length > 0) return problems;
  const guest = subject.guest as DatastoreGuest<unknown>;
  if (
    !(guest.manager.prototype instanceof BaseDatastoreManager) &&
    !hasBaseShape(guest.manager.prototype as object)
  ) {
    return [`${namespaces.datastoreGuest}: the manager does not extend BaseDatastoreManager`];
  }
  return [];
}

/** instanceof fails across duplicate copies of plugin-api; the base's method set still identifies it. */
function hasBaseShape(prototype: object): boolean {
  return Object.values(guestOperations).every(
    ({ method }) =>
      method in prototype || ['prepare', 'restart', 'stopDb', 'getServiceStatus'].includes(method),
  );
}

const suffix = () => Math.random().toString(36).slice(2, 8);

/** Live checks for the declared capabilities, against a manager whose server is running. */
export async function checkLive(
  subject: DatastoreUnderTest,
  manager: BaseDatastoreManager<unknown>,
): Promise<string[]> {
  const problems: string[] = [];
  const declared = new Set<string>(subject.manifest.capabilities);
  const expect = (cond: boolean, message: string): void => {
    if (!cond) problems.push(message);
  };
  const status = await manager.getServiceStatus();
  expect(
    status === 'healthy',
    `get_service_status: a prepared server reports '${status}', expected 'healthy'`,
  );
  const fs = await manager.getFilesystemStats();
  expect(fs.totalBlocks > 0 && fs.free >= 0, 'get_filesystem_stats: no blocks reported');
  if (declared.has('databases')) {
    const db = `conformance_${suffix()}`;
    await manager.createDatabase([{ name: db }]);
    const listed = await manager.listDatabases({});
    expect(
      listed.items.some((d) => d.name === db),
      `list_databases: '${db}' was created but is not listed`,
    );
    await manager.deleteDatabase({ name: db });
    const after = await manager.listDatabases({});
    expect(!after.items.some((d) => d.name === db), `delete_database: '${db}' is still listed`);
  }
  if (declared.has('users')) {
    const user = `conformance_${suffix()}`;
    await manager.createUser([{ name: user, password: `Pw-${suffix()}-${suffix()}` }]);
    const got = await manager.getUser({ name: user });
    expect(got?.name === user, `get_user: '${user}' was created but is not found`);
    const listed = await manager.listUsers({});
    expect(
      listed.items.some((u) => u.name === user),
      `list_users: '${user}' is not listed`,
    );
    await manager.deleteUser({ name: user });
    expect(
      (await manager.getUser({ name: user })) === undefined,
      `delete_user: '${user}' still exists`,
    );
  }
  if (declared.has('root')) {
    const root = await manager.enableRoot();
    expect(
      typeof root.password === 'string' && root.password.length > 0,
      'enable_root: no password returned',
    );
    expect(await manager.isRootEnabled(), 'is_root_enabled: false right after enable_root');
    await manager.disableRoot();
  }
  return problems;
}
