// @cellar/server/testing: real servers for integration tests and benchmarks, the shared
// control-database suite both dialects run, and the control-database and API fixtures.

export * from '../db/database-suite.js';
export * from './postgresql.js';
export * from './control-plane.js';
export * from './api-session.js';
export * from './instance-fixture.js';
export * from './recording-api.js';
export * from './storage-as-user.js';
export { readProcesses, withDescendants } from '@cellar/plugin-api/processes';
export * from './event-stream.js';
