// @cellar/plugin-api/processes: the one helper for processes (/proc, liveness, ending them), the
// child environment, a datastore server run as its volume's owner, and a standby's work ahead.

export * from './proc.js';
export * from './child-environment.js';
export * from './run-as.js';
export * from './server-process.js';
export * from './standby-directory.js';
export * from './system-users.js';
export * from './memory.js';
