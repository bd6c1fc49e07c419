// @cellar/server: the control plane. For now: the control database (schema, migrations, SQLite
// and PostgreSQL connections); the API, taskmanager and conductor build on it.

export * from './db/connect.js';
export * from './db/schema.js';
export * from './options.js';
export * from './api/app.js';
export * from './identity/identity.js';
export * from './identity/passwords.js';
export * from './service.js';
export * from './datastores/catalog.js';
export * from './identity/keystone.js';
export * from './datastores/availability.js';
