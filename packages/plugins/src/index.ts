// @cellar/plugins: finds plugins through the deployment root's declared dependencies (or the lock
// file), checks them, and loads entry points lazily with stevedore's manager semantics.

export * from './discover.js';
export * from './host.js';
export * from './lock.js';
export * from './managers.js';
export * from './problems.js';
