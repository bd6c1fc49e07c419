// The errors replication raises, on a guest (a server that cannot follow its new source) and in
// the control plane (a replica that cannot be made, promoted or detached), declared once.

import { defineError } from './cellar-error.js';

export const ReplicaDiverged = defineError('ReplicaDiverged', {
  code: 'CELLAR_REPLICA_DIVERGED',
  status: 409,
  message: 'Instance {instance} cannot follow {source}: {reason}',
  description:
    'The server holds writes its new source never had and cannot be rewound to it. It is left read-only and out of the replication set, its fault saying why: delete it and create a new replica of the source.',
});

export const ReplicationNotPossible = defineError('ReplicationNotPossible', {
  code: 'CELLAR_REPLICATION_NOT_POSSIBLE',
  status: 409,
  message: 'Replication of instance {instance} is not possible: {reason}',
  description:
    'The instance is not in the state a replica operation needs (not a replica, not a source, source not ACTIVE, a replica of a replica); the reason says which.',
});

export const ReplicaSourceDeleteForbidden = defineError('ReplicaSourceDeleteForbidden', {
  code: 'CELLAR_REPLICA_SOURCE_DELETE_FORBIDDEN',
  status: 403,
  message: 'Instance {instance} is the source of replicas {replicas}: detach or delete them first.',
  description:
    "As Trove's ReplicaSourceDeleteForbidden: a source is not deleted while it has replicas.",
});

export const replicationErrors = [
  ReplicaDiverged,
  ReplicationNotPossible,
  ReplicaSourceDeleteForbidden,
] as const;
