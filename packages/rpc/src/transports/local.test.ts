import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTransportSuite, transportPair } from '../testing/transport-suite.js';
import { LocalTransport } from './local.js';

runTransportSuite('local (unix sockets)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-rpc-'));
  return transportPair(
    async () => new LocalTransport(dir),
    () => rm(dir, { recursive: true, force: true }),
  );
});
