// The conformance checks of a datastore's backup and restore strategies: a datastore declaring
// `backup` (`restore`) carries strategies in cellar.backup.strategy (cellar.restore.strategy) that
// load, are branded with the right kind and name, belong to it, and one its options name by
// default; a datastore declaring neither carries none (the guest agent would never run them).

import type { BackupStrategy, RestoreStrategy } from '../backup/strategy.js';
import { brandOf, CONTRACT_MAJOR, namespaces, type ExportKind } from '../contract.js';
import type { DatastoreOptions } from '../define.js';
import type { DatastoreUnderTest } from './conformance.js';

type Kind = 'backup' | 'restore';

const namespaceOf: Readonly<Record<Kind, string>> = {
  backup: namespaces.backupStrategy,
  restore: namespaces.restoreStrategy,
};

/** One loaded entry: its brand, its shape and its datastore. */
function checkEntry(kind: Kind, name: string, value: unknown, datastore: string): string[] {
  const where = `${namespaceOf[kind]} '${name}'`;
  const b = brandOf(value);
  const expected: ExportKind = `${kind}.strategy`;
  if (!b)
    return [
      `${where}: the default export was not made by define${kind === 'backup' ? 'Backup' : 'Restore'}Strategy()`,
    ];
  const problems: string[] = [];
  if (b.contract !== CONTRACT_MAJOR)
    problems.push(
      `${where}: built for contract ${b.contract}, this kit checks contract ${CONTRACT_MAJOR}`,
    );
  if (b.kind !== expected) problems.push(`${where}: exports a ${b.kind}, expected a ${expected}`);
  if (b.name !== name)
    problems.push(`${where}: is named '${b.name}', its entry point names it '${name}'`);
  const strategy = value as Partial<BackupStrategy & RestoreStrategy>;
  if (strategy.datastore !== datastore)
    problems.push(`${where}: belongs to '${String(strategy.datastore)}', not to ${datastore}`);
  if (kind === 'backup' && typeof strategy.incremental !== 'boolean')
    problems.push(`${where}: incremental must say whether it takes incrementals (true or false)`);
  return problems;
}

/** The guest option `backup_strategy`'s default, when the datastore has one. */
function defaultStrategy(subject: DatastoreUnderTest): string | undefined {
  const guest = (subject.options as DatastoreOptions | undefined)?.guest;
  const value: unknown = guest?.options['backup_strategy']?.default;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Checks the strategies against the declared capabilities. `strategies` holds every entry loaded
 * from the two namespaces, by name; a load failure is passed as the Error it threw.
 */
export function checkStrategies(
  subject: DatastoreUnderTest,
  strategies: Readonly<Record<Kind, Readonly<Record<string, unknown>>>>,
): string[] {
  const datastore = subject.manifest.name;
  const declared = new Set<string>(subject.manifest.capabilities);
  const problems: string[] = [];
  for (const kind of ['backup', 'restore'] as const) {
    const entries = Object.entries(strategies[kind]);
    if (!declared.has(kind)) {
      if (entries.length > 0)
        problems.push(
          `${namespaceOf[kind]}: ${entries.map(([n]) => n).join(', ')} carried, but capability '${kind}' is not declared; declare it or remove the entry points`,
        );
      continue;
    }
    if (entries.length === 0)
      problems.push(
        `${namespaceOf[kind]}: capability '${kind}' is declared but no strategy is carried`,
      );
    for (const [name, value] of entries) {
      if (value instanceof Error)
        problems.push(`${namespaceOf[kind]} '${name}': does not load: ${value.message}`);
      else problems.push(...checkEntry(kind, name, value, datastore));
    }
  }
  const chosen = defaultStrategy(subject);
  if (declared.has('backup') && (chosen === undefined || !(chosen in strategies.backup)))
    problems.push(
      `option [${datastore}] backup_strategy (guest): its default '${chosen ?? ''}' names no carried backup strategy; carried: ${Object.keys(strategies.backup).join(', ') || 'none'}`,
    );
  if (declared.has('restore'))
    for (const name of Object.keys(strategies.backup))
      if (!(name in strategies.restore))
        problems.push(
          `${namespaces.restoreStrategy}: no '${name}', so backups of the '${name}' strategy cannot be restored`,
        );
  return problems;
}
