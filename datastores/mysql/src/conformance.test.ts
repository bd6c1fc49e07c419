// Runs the plugin contract's conformance suite against this datastore package, the live checks
// against a real MariaDB (or MySQL) server prepared by the guest manager.
import { runDatastoreConformance } from '@cellar/plugin-api/testing';
import { liveHarness, whyNoServer } from './testing/live-server.js';

const noServer = whyNoServer();
if (noServer !== undefined) console.log(`# live conformance checks skipped: ${noServer}`);

runDatastoreConformance({
  packageDir: new URL('../', import.meta.url),
  ...(noServer === undefined ? { harness: liveHarness() } : { noHarnessReason: noServer }),
});
