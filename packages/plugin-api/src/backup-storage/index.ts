// The backup storage contract, exported whole from @cellar/plugin-api: the driver and storage
// interfaces, their define helpers, name checks, the shared streams and the storage errors.

export * from './contract.js';
export * from './names.js';
export * from './streams.js';
export * from '../errors/backup-storage-errors.js';
