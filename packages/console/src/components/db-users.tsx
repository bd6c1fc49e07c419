// An instance's databases and users, and the forms that add them (the API checks names and
// passwords with its own rules; its refusal is shown as it is).

import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useProjectApi } from '../queries';
import { FormError } from './form-error';
import { field, list } from '../form-data';
import type { DbUser, Named } from '../types';

function useAdd(id: string, what: 'databases' | 'users') {
  const api = useProjectApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: unknown) => api('POST', `/instances/${id}/${what}`, body),
    onSuccess: () => client.invalidateQueries({ queryKey: [what, id] }),
  });
}

function AddDatabase({ id }: { readonly id: string }) {
  const add = useAdd(id, 'databases');
  const [name, setName] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({ databases: [{ name }] }, { onSuccess: () => setName('') });
  };
  return (
    <form onSubmit={submit} className="inline">
      <label>
        New database
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <button type="submit" disabled={add.isPending}>
        Add database
      </button>
      <FormError error={add.error} />
    </form>
  );
}

function AddUser({ id }: { readonly id: string }) {
  const add = useAdd(id, 'users');
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const databases = list(field(data, 'databases')).map((name) => ({ name }));
    const user = {
      name: field(data, 'name'),
      password: field(data, 'password'),
      databases,
    };
    add.mutate({ users: [user] }, { onSuccess: () => form.reset() });
  };
  return (
    <form onSubmit={submit} className="inline">
      <label>
        New user
        <input name="name" required autoComplete="off" />
      </label>
      <label>
        Password
        <input name="password" type="password" required autoComplete="new-password" />
      </label>
      <label>
        Databases (comma-separated)
        <input name="databases" />
      </label>
      <button type="submit" disabled={add.isPending}>
        Add user
      </button>
      <FormError error={add.error} />
    </form>
  );
}

export function DatabasesAndUsers(props: {
  readonly id: string;
  readonly databases: readonly Named[];
  readonly users: readonly DbUser[];
}) {
  return (
    <div className="two-columns">
      <section aria-labelledby="databases-title">
        <h2 id="databases-title">Databases</h2>
        <ul>
          {props.databases.length === 0 ? (
            <li>None</li>
          ) : (
            props.databases.map((d) => <li key={d.name}>{d.name}</li>)
          )}
        </ul>
        <AddDatabase id={props.id} />
      </section>
      <section aria-labelledby="users-title">
        <h2 id="users-title">Users</h2>
        <ul>
          {props.users.length === 0 ? (
            <li>None</li>
          ) : (
            props.users.map((u) => (
              <li key={`${u.name}@${u.host ?? ''}`}>
                {u.name}
                {u.databases && u.databases.length > 0 && (
                  <span className="muted"> · {u.databases.map((d) => d.name).join(', ')}</span>
                )}
              </li>
            ))
          )}
        </ul>
        <AddUser id={props.id} />
      </section>
    </div>
  );
}
