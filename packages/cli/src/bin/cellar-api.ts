// cellar-api: the api part of the control plane as a service of its own.

import { roleCommand } from '../serve.js';

await roleCommand(
  'cellar-api',
  'api',
  'run the Cellar api as a service of its own (for deployments that separate the parts; they share [database] and [rpc])',
);
