// Root and resize on the instance page: enabling root shows its password once (the API keeps
// only a hash), and the volume grows or the flavor changes through the API's resize action.

import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useFlavors, useProjectApi } from '../queries';
import { field } from '../form-data';
import { FormError } from './form-error';
import type { Instance } from '../types';

function Root({ instance }: { readonly instance: Instance }) {
  const api = useProjectApi();
  const enable = useMutation({
    mutationFn: () =>
      api<{ user: { name: string; password: string } }>(
        'POST',
        `/instances/${instance.id}/root`,
        {},
      ),
  });
  return (
    <div>
      <button type="button" onClick={() => enable.mutate()} disabled={enable.isPending}>
        Enable root
      </button>
      {enable.data && (
        <p role="status">
          Root user <code id="root-name">{enable.data.user.name}</code> with password{' '}
          <code id="root-password">{enable.data.user.password}</code>: shown this once.
        </p>
      )}
      <FormError error={enable.error} />
    </div>
  );
}

function Resize({ instance }: { readonly instance: Instance }) {
  const api = useProjectApi();
  const client = useQueryClient();
  const flavors = useFlavors().data ?? [];
  const [size, setSize] = useState(String((instance.volume?.size ?? 1) + 1));
  const resize = useMutation({
    mutationFn: (resize: unknown) => api('POST', `/instances/${instance.id}/action`, { resize }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['operations', instance.id] }),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const flavor = field(new FormData(e.currentTarget), 'flavor');
    resize.mutate(flavor ? { flavorRef: flavor } : { volume: { size: Number(size) } });
  };
  return (
    <form className="inline" onSubmit={submit}>
      <label>
        Volume size (GB)
        <input type="number" min={1} value={size} onChange={(e) => setSize(e.target.value)} />
      </label>
      <label>
        Or a new flavor
        <select name="flavor" defaultValue="">
          <option value="">Keep {String(instance.flavor.id)}</option>
          {flavors.map((f) => (
            <option key={f.id} value={String(f.id)}>
              {f.name} ({f.ram} MB)
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={resize.isPending}>
        Resize
      </button>
      <FormError error={resize.error} />
    </form>
  );
}

export function RootAndResize({ instance }: { readonly instance: Instance }) {
  return (
    <section aria-labelledby="root-resize-title">
      <h2 id="root-resize-title">Root and size</h2>
      <Root instance={instance} />
      <Resize instance={instance} />
    </section>
  );
}
