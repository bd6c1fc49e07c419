import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTransportSuite } from '../testing/transport-suite.js';
import { LocalTransport } from './local.js';

runTransportSuite('local (unix sockets)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cellar-rpc-'));
  const client = new LocalTransport(dir);
  const server = new LocalTransport(dir);
  const server2 = new LocalTransport(dir);
  return {
    client,
    server,
    server2,
    close: async () => {
      await client.close();
      await server.close();
      await server2.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
