// Runs the plugin contract's conformance suite against this datastore package.
import { runDatastoreConformance } from '@cellar/plugin-api/testing';

runDatastoreConformance({ packageDir: new URL('../', import.meta.url) });
