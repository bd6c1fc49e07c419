// Creating a configuration group: a name, the datastore and version it is for, and its values
// as JSON; the API checks each parameter against the datastore's catalog and says what is wrong.

import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useDatastores, useProjectApi } from '../queries';
import { field } from '../form-data';
import { FormError } from './form-error';

export function NewConfiguration() {
  const api = useProjectApi();
  const client = useQueryClient();
  const datastores = useDatastores();
  const [error, setError] = useState<string>();
  const create = useMutation({
    mutationFn: (body: unknown) => api('POST', '/configurations', body),
    onSuccess: () => client.invalidateQueries({ queryKey: ['configurations'] }),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    let values: unknown;
    try {
      values = JSON.parse(field(form, 'values') || '{}');
    } catch {
      setError('Values must be a JSON object, such as {"max_connections": 150}.');
      return;
    }
    setError(undefined);
    const [type, version] = field(form, 'datastore').split('\u0000');
    const configuration = { name: field(form, 'name'), values, datastore: { type, version } };
    create.mutate({ configuration }, { onSuccess: () => (e.target as HTMLFormElement).reset() });
  };
  return (
    <form onSubmit={submit} aria-labelledby="new-configuration-title">
      <h2 id="new-configuration-title">New configuration group</h2>
      <label>
        Group name
        <input name="name" required />
      </label>
      <label>
        Datastore and version
        <select name="datastore">
          {(datastores.data ?? []).flatMap((d) =>
            d.versions.map((v) => (
              <option key={`${d.name}-${v.id}`} value={`${d.name}\u0000${v.name}`}>
                {d.name} {v.name}
              </option>
            )),
          )}
        </select>
      </label>
      <label>
        Values (JSON)
        <textarea name="values" rows={3} defaultValue="{}" />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <FormError error={create.error} />
      <button type="submit" disabled={create.isPending}>
        Create group
      </button>
    </form>
  );
}
