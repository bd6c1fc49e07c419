// The instance's actions: restart, take a backup, and delete behind a typed confirmation (the
// instance's name), so a slip of the keyboard cannot delete a database.

import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { navigate, href } from '../router';
import { useProjectApi } from '../queries';
import { FormError } from './form-error';
import type { Instance } from '../types';

export function Actions({ instance }: { readonly instance: Instance }) {
  const api = useProjectApi();
  const client = useQueryClient();
  const [typed, setTyped] = useState('');
  const refresh = () => client.invalidateQueries({ queryKey: ['operations', instance.id] });
  const restart = useMutation({
    mutationFn: () => api('POST', `/instances/${instance.id}/action`, { restart: {} }),
    onSuccess: refresh,
  });
  const backup = useMutation({
    mutationFn: () =>
      api('POST', '/backups', {
        backup: {
          name: `${instance.name}-${new Date().toISOString().slice(0, 19)}`,
          instance: instance.id,
        },
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['backups'] }),
  });
  const remove = useMutation({
    mutationFn: () => api('DELETE', `/instances/${instance.id}`),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['instances'] });
      navigate(href('instances'));
    },
  });
  return (
    <section aria-labelledby="actions-title" className="actions">
      <h2 id="actions-title">Actions</h2>
      <div className="button-row">
        <button type="button" onClick={() => restart.mutate()} disabled={restart.isPending}>
          Restart
        </button>
        <button type="button" onClick={() => backup.mutate()} disabled={backup.isPending}>
          Take a backup
        </button>
      </div>
      {backup.isSuccess && <p role="status">Backup started: see Backups.</p>}
      <FormError error={restart.error ?? backup.error} />
      <form
        className="danger"
        onSubmit={(e) => {
          e.preventDefault();
          remove.mutate();
        }}
      >
        <label>
          <span>
            Type <strong>{instance.name}</strong> to delete this instance and its data
          </span>
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        </label>
        <button
          type="submit"
          className="destructive"
          disabled={typed !== instance.name || remove.isPending}
        >
          Delete instance
        </button>
        <FormError error={remove.error} />
      </form>
    </section>
  );
}
