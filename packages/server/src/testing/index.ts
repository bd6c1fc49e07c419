// @cellar/server/testing: real servers for integration tests and benchmarks, and the shared
// control-database suite both dialects run.

export * from '../db/database-suite.js';
export * from './postgresql.js';
export * from './control-plane.js';
export * from './api-session.js';
export { readProcesses, withDescendants } from '@cellar/plugin-api/processes';
