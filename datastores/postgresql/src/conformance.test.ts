// Runs the plugin contract's conformance suite against this datastore package, the live checks
// against a real PostgreSQL server prepared by the guest manager.
import { runDatastoreConformance } from '@cellar/plugin-api/testing';
import { liveHarness, whyNoPostgres } from './testing/live-server.js';

const noPostgres = whyNoPostgres();
if (noPostgres !== undefined) console.log(`# live conformance checks skipped: ${noPostgres}`);

runDatastoreConformance({
  packageDir: new URL('../', import.meta.url),
  ...(noPostgres === undefined ? { harness: liveHarness() } : { noHarnessReason: noPostgres }),
});
