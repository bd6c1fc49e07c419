// Runs the plugin contract's conformance suite against this datastore package, the live checks
// against a real Redis server prepared by the guest manager.
import { runDatastoreConformance } from '@cellar/plugin-api/testing';
import { liveHarness, whyNoRedis } from './testing/live-server.js';

const noRedis = whyNoRedis();
if (noRedis !== undefined) console.log(`# live conformance checks skipped: ${noRedis}`);

runDatastoreConformance({
  packageDir: new URL('../', import.meta.url),
  ...(noRedis === undefined ? { harness: liveHarness() } : { noHarnessReason: noRedis }),
});
