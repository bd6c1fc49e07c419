// @cellar/plugin-api/processes: the one helper for processes (/proc, liveness, ending them) and
// for the environment of child processes, for every package that starts or watches processes.

export * from './proc.js';
export * from './child-environment.js';
