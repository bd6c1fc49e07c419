// The refusal a server gives when asked to follow a source whose history lacks some of its own
// transactions (a former source with writes its replicas never got): it must be seeded again.
// The same code and details as the catalog's ReplicaDiverged, which replaces it once both exist.

import { defineError } from '@cellar/plugin-api';

export const ReplicaDiverged = defineError('ReplicaDiverged', {
  code: 'CELLAR_REPLICA_DIVERGED',
  status: 409,
  message: 'Instance {instance} cannot follow {source}: {reason}',
  description:
    'The server holds writes its new source never had and cannot be rewound to it; the control plane seeds it again from a backup of the source.',
});
