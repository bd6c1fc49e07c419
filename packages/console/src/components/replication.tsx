// An instance's replication: the source it follows (with promote, which makes it the source
// by switchover, and detach), or the replicas that follow it (with eject, for a source that is
// gone: the API refuses it while the source still reports).

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { href } from '../router';
import { useInstances, useProjectApi } from '../queries';
import { FormError } from './form-error';
import type { Instance } from '../types';

export function Replication({ instance }: { readonly instance: Instance }) {
  const api = useProjectApi();
  const client = useQueryClient();
  const names = new Map((useInstances().data ?? []).map((i) => [i.id, i.name]));
  const act = useMutation({
    mutationFn: (body: { action?: unknown; update?: unknown }) =>
      body.action
        ? api('POST', `/instances/${instance.id}/action`, body.action)
        : api('PUT', `/instances/${instance.id}`, body.update),
    onSuccess: () => client.invalidateQueries({ queryKey: ['operations', instance.id] }),
  });
  const source = instance.replica_of;
  const replicas = instance.replicas ?? [];
  if (!source && replicas.length === 0) return null;
  const link = (id: string) => <a href={href('instances', id)}>{names.get(id) ?? id}</a>;
  return (
    <section aria-labelledby="replication-title">
      <h2 id="replication-title">Replication</h2>
      {source && (
        <>
          <p>Replica of {link(source.id)}</p>
          <div className="button-row">
            <button
              type="button"
              onClick={() => act.mutate({ action: { promote_to_replica_source: {} } })}
            >
              Promote to source
            </button>
            <button
              type="button"
              onClick={() => act.mutate({ update: { instance: { replica_of: null } } })}
            >
              Detach from source
            </button>
          </div>
        </>
      )}
      {replicas.length > 0 && (
        <>
          <p>Replicas following this instance:</p>
          <ul aria-label="Replicas">
            {replicas.map((r) => (
              <li key={r.id}>{link(r.id)}</li>
            ))}
          </ul>
          <button
            type="button"
            onClick={() => act.mutate({ action: { eject_replica_source: {} } })}
            disabled={act.isPending}
          >
            Eject replica source
          </button>
        </>
      )}
      <FormError error={act.error} />
    </section>
  );
}
