// cellar-taskmanager: the taskmanager part of the control plane as a service of its own.

import { roleCommand } from '../serve.js';

await roleCommand(
  'cellar-taskmanager',
  'taskmanager',
  'run the Cellar taskmanager as a service of its own (for deployments that separate the parts; they share [database] and [rpc])',
);
