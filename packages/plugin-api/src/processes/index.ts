// @cellar/plugin-api/processes: the one helper for processes (/proc, liveness, ending them), the
// environment of child processes, and a datastore server's process run as its volume's owner.

export * from './proc.js';
export * from './child-environment.js';
export * from './run-as.js';
export * from './server-process.js';
