// The refusal a server gives when asked to follow a source whose history lacks some of its own
// transactions (a former source with writes its replicas never got): it must be seeded again.

import { defineError } from '@cellar/plugin-api';

export const ReplicaDiverged = defineError('ReplicaDiverged', {
  code: 'CELLAR_REPLICA_DIVERGED',
  status: 409,
  message:
    'Instance {instance} cannot follow source {source}: it has transactions the source never had ({gtids}); seed it again from a backup of the source.',
  description:
    'A former source came back with writes its replicas never received; following the new source would lose or mix them, so it must be seeded again from a backup.',
});
