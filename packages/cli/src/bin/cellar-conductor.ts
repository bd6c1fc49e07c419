// cellar-conductor: the conductor part of the control plane as a service of its own.

import { roleCommand } from '../serve.js';

await roleCommand(
  'cellar-conductor',
  'conductor',
  'run the Cellar conductor as a service of its own (for deployments that separate the parts; they share [database] and [rpc])',
);
