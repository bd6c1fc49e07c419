// The contract version and the brand that define*() stamps on what a plugin exports, so the host
// can tell a real plugin module from anything else and refuse one built for another contract.

/** The contract major this package implements; a plugin's `cellar.plugin` must equal it. */
export const CONTRACT_MAJOR = 1;

/** A global symbol, so the brand is recognised across duplicate copies of this package. */
export const kPluginBrand = Symbol.for('cellar.plugin.brand');

/** The entry-point namespaces and the kind of export each must hold. */
export const namespaces = {
  datastoreOptions: 'cellar.datastore.options',
  datastoreServer: 'cellar.datastore.server',
  datastoreGuest: 'cellar.datastore.guest',
  backupStrategy: 'cellar.backup.strategy',
  restoreStrategy: 'cellar.restore.strategy',
  backupStorageOptions: 'cellar.backup.storage.options',
  backupStorage: 'cellar.backup.storage',
} as const;

export type Namespace = (typeof namespaces)[keyof typeof namespaces];

export type ExportKind =
  | 'datastore.options'
  | 'datastore.server'
  | 'datastore.guest'
  | 'backup.strategy'
  | 'restore.strategy'
  | 'backup.storage.options'
  | 'backup.storage';

export const exportKindOf: Readonly<Record<Namespace, ExportKind>> = {
  'cellar.datastore.options': 'datastore.options',
  'cellar.datastore.server': 'datastore.server',
  'cellar.datastore.guest': 'datastore.guest',
  'cellar.backup.strategy': 'backup.strategy',
  'cellar.restore.strategy': 'restore.strategy',
  'cellar.backup.storage.options': 'backup.storage.options',
  'cellar.backup.storage': 'backup.storage',
};

export interface Brand {
  readonly contract: number;
  readonly kind: ExportKind;
  readonly name: string;
}

export type Branded<T> = T & { readonly [kPluginBrand]: Brand };

export function brand<T extends object>(kind: ExportKind, name: string, value: T): Branded<T> {
  Object.defineProperty(value, kPluginBrand, {
    value: Object.freeze({ contract: CONTRACT_MAJOR, kind, name }),
    enumerable: false,
  });
  return value as Branded<T>;
}

export function brandOf(value: unknown): Brand | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null)
    return undefined;
  const b = (value as Record<symbol, unknown>)[kPluginBrand];
  if (typeof b !== 'object' || b === null) return undefined;
  const { contract, kind, name } = b as Record<string, unknown>;
  return typeof contract === 'number' && typeof kind === 'string' && typeof name === 'string'
    ? { contract, kind: kind as ExportKind, name }
    : undefined;
}
