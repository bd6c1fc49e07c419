// Attaching a configuration group to an instance: what it would change (the API's dry run:
// each parameter's current and new value, and whether a restart is needed), then the attach,
// or the detach of the group attached.

import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useConfigurations, useProjectApi } from '../queries';
import { FormError } from './form-error';
import type { Instance } from '../types';

interface Change {
  readonly name: string;
  readonly old: string | number | boolean | null;
  readonly new: string | number | boolean | null;
  readonly restart_required: boolean;
}

interface DryRun {
  readonly dry_run: { readonly instances: readonly { readonly changes: readonly Change[] }[] };
}

function Diff({ changes }: { readonly changes: readonly Change[] }) {
  if (changes.length === 0) return <p role="status">Attaching changes nothing.</p>;
  return (
    <table aria-label="What attaching would change">
      <thead>
        <tr>
          <th scope="col">Parameter</th>
          <th scope="col">Now</th>
          <th scope="col">After</th>
          <th scope="col">Restart</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.name}>
            <th scope="row">{c.name}</th>
            <td>{String(c.old ?? 'default')}</td>
            <td>{String(c.new ?? 'default')}</td>
            <td>{c.restart_required ? 'needed' : 'no'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ConfigurationPanel({ instance }: { readonly instance: Instance }) {
  const api = useProjectApi();
  const client = useQueryClient();
  const groups = useConfigurations();
  const [chosen, setChosen] = useState('');
  const put = (configuration: string | null, dryRun: boolean) =>
    api<DryRun | undefined>('PUT', `/instances/${instance.id}${dryRun ? '?dry_run=true' : ''}`, {
      instance: { configuration },
    });
  const preview = useMutation({ mutationFn: (id: string) => put(id, true) });
  const apply = useMutation({
    mutationFn: (id: string | null) => put(id, false),
    onSuccess: async () => {
      preview.reset();
      await client.invalidateQueries({ queryKey: ['instance', instance.id] });
      await client.invalidateQueries({ queryKey: ['operations', instance.id] });
    },
  });
  const fitting = (groups.data ?? []).filter(
    (g) => g.datastore_name === undefined || g.datastore_name === instance.datastore.type,
  );
  const attached = instance.configuration;
  return (
    <section aria-labelledby="configuration-title">
      <h2 id="configuration-title">Configuration</h2>
      {attached ? (
        <p>
          Attached: <strong>{attached.name}</strong>{' '}
          <button type="button" onClick={() => apply.mutate(null)} disabled={apply.isPending}>
            Detach
          </button>
        </p>
      ) : (
        <form className="inline" onSubmit={(e) => e.preventDefault()}>
          <label>
            Configuration group
            <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
              <option value="">Choose a group</option>
              {fitting.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </label>
          <button type="button" disabled={!chosen} onClick={() => preview.mutate(chosen)}>
            Preview changes
          </button>
          <button
            type="button"
            disabled={!chosen || apply.isPending}
            onClick={() => apply.mutate(chosen)}
          >
            Attach
          </button>
        </form>
      )}
      {preview.data && <Diff changes={preview.data.dry_run.instances[0]?.changes ?? []} />}
      <FormError error={preview.error ?? apply.error} />
    </section>
  );
}
