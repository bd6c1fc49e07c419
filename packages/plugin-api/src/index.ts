// @cellar/plugin-api: the contract between Cellar and its plugins, and the only package a
// datastore imports. Everything here is public; the host checks plugins against CONTRACT_MAJOR.

export * from './addresses.js';
export * from './passwords.js';
export * from './capabilities.js';
export * from './contract.js';
export * from './define.js';
export * from './archive-retention.js';
export * from './errors/catalog.js';
export * from './errors/admin-errors.js';
export * from './errors/backup-errors.js';
export * from './errors/backup-guest-errors.js';
export * from './errors/configuration-errors.js';
export * from './errors/configuration-guest-errors.js';
export * from './errors/replication-errors.js';
export * from './errors/cellar-error.js';
export * from './errors/wire.js';
export * from './manager/base-datastore-manager.js';
export * from './manager/guest-types.js';
export * from './manager/guest-operations.js';
export * from './manager/guest-operation-views.js';
export * from './manager/guest-schemas.js';
export * from './manager/guest-log-files.js';
export * from './manifest.js';
export * from './options/option-types.js';
export * from './options/options.js';
export * from './package-exports.js';
export * from './options/standard-options.js';
export * from './errors/catalog-doc.js';
export * from './backup-storage/index.js';
export * from './backup/strategy.js';
export * from './configuration/parameters.js';
export * from './replication/replication.js';
export * from './metrics/guest-metrics.js';
