// Creating an instance: datastore and version, flavor, volume, initial databases and users,
// allowed CIDRs, a configuration group or a backup to restore (to a point in time); the API's own
// checks decide, and its refusal is shown beside the form as it words it.

import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { href, navigate } from '../router';
import {
  useBackups,
  useConfigurations,
  useDatastores,
  useFlavors,
  useInstances,
  useProjectApi,
} from '../queries';
import { FormError } from '../components/form-error';
import { field, list } from '../form-data';
import { UserRows, type UserRow } from '../components/user-rows';
import { RestoreFrom } from '../components/point-in-time';
import type { Backup, ConfigurationGroup, Instance } from '../types';

/** The Trove create body from the form: only what the user filled in. */
function bodyOf(form: FormData, users: readonly UserRow[]): unknown {
  const text = (name: string) => field(form, name).trim();
  const cidrs = list(text('cidrs'));
  const databases = list(text('databases')).map((name) => ({ name }));
  const named = users.filter((u) => u.name.trim() !== '');
  // A replica takes its datastore, flavor and volume from its source.
  if (text('replica_of'))
    return { instance: { name: text('name'), replica_of: text('replica_of') } };
  return {
    instance: {
      name: text('name'),
      flavorRef: text('flavor'),
      volume: { size: Number(text('volume')) },
      datastore: { type: text('datastore'), version: text('version') },
      ...(databases.length ? { databases } : {}),
      ...(named.length
        ? {
            users: named.map((u) => ({
              name: u.name.trim(),
              password: u.password,
              databases: list(u.databases).map((name) => ({ name })),
            })),
          }
        : {}),
      ...(cidrs.length ? { access: { allowed_cidrs: cidrs } } : {}),
      ...(text('configuration') ? { configuration: text('configuration') } : {}),
      ...(text('backup')
        ? { restorePoint: restorePointOf(text('backup'), text('restore_time')) }
        : {}),
    },
  };
}

/** A backup restored as taken, or its instance's WAL replayed to a moment after it. */
const restorePointOf = (backupRef: string, time: string) =>
  time ? { backupRef, restore_time: time } : { backupRef };

/** What a new instance may start from: a configuration group, a backup to restore. */
function Extras(props: {
  readonly instances: readonly Instance[];
  readonly configurations: readonly ConfigurationGroup[];
  readonly backups: readonly Backup[];
  readonly backup?: string;
}) {
  return (
    <>
      <label>
        Replica of (a replica copies its source's settings)
        <select name="replica_of" defaultValue="">
          <option value="">Not a replica</option>
          {props.instances.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Configuration group
        <select name="configuration">
          <option value="">None</option>
          {props.configurations.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <RestoreFrom backups={props.backups} {...(props.backup ? { backup: props.backup } : {})} />
    </>
  );
}

/** The new instance's volume and initial databases. */
function Sizes() {
  return (
    <>
      <label>
        Volume size (GB)
        <input name="volume" type="number" min={1} defaultValue={1} required />
      </label>
      <label>
        Databases (comma-separated)
        <input name="databases" placeholder="appdb" />
      </label>
    </>
  );
}

/** The datastore shown: the user's pick, else (restoring) the backup's, else the first. */
function useChosen(picked: string, backups: readonly Backup[] | undefined, backup?: string) {
  const stores = useDatastores().data ?? [];
  const source = backups?.find((b) => b.id === backup)?.datastore;
  const chosen = stores.find((d) => d.name === (picked || source?.type)) ?? stores[0];
  return { stores, source, chosen };
}

/** The create call: on success, the new instance's page, where its timeline shows. */
function useCreate() {
  const api = useProjectApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: unknown) => api<{ instance: Instance }>('POST', '/instances', body),
    onSuccess: async ({ instance }) => {
      await client.invalidateQueries({ queryKey: ['instances'] });
      navigate(href('instances', instance.id));
    },
  });
}

export function CreateInstancePage({ backup }: { readonly backup?: string }) {
  const create = useCreate();
  const flavors = useFlavors();
  const configurations = useConfigurations();
  const backups = useBackups();
  const instances = useInstances();
  const [datastore, setDatastore] = useState('');
  const [users, setUsers] = useState<UserRow[]>([{ name: '', password: '', databases: '' }]);
  const { stores, source, chosen } = useChosen(datastore, backups.data, backup);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    create.mutate(bodyOf(new FormData(e.currentTarget), users));
  };
  return (
    <section aria-labelledby="create-title">
      <h1 id="create-title">Create an instance</h1>
      <form
        className="create"
        onSubmit={submit}
        aria-describedby={create.error ? 'create-error' : undefined}
      >
        <label>
          Name
          <input name="name" required maxLength={255} />
        </label>
        <label>
          Datastore
          <select
            name="datastore"
            value={chosen?.name ?? ''}
            onChange={(e) => setDatastore(e.target.value)}
          >
            {stores.map((d) => (
              <option key={d.id}>{d.name}</option>
            ))}
          </select>
        </label>
        <label>
          Version
          <select
            name="version"
            key={`${chosen?.name ?? ''}-${source?.version ?? ''}`}
            defaultValue={source?.type === chosen?.name ? source?.version : undefined}
          >
            {(chosen?.versions ?? []).map((v) => (
              <option key={v.id}>{v.name}</option>
            ))}
          </select>
        </label>
        <label>
          Flavor
          <select name="flavor">
            {(flavors.data ?? []).map((f) => (
              <option key={f.id} value={String(f.id)}>
                {f.name} ({f.ram} MB)
              </option>
            ))}
          </select>
        </label>
        <Sizes />
        <UserRows rows={users} onChange={setUsers} />
        <label>
          Allowed CIDRs (comma-separated; empty allows any)
          <input name="cidrs" placeholder="10.0.0.0/8, 192.168.1.0/24" />
        </label>
        <Extras
          instances={instances.data ?? []}
          configurations={configurations.data ?? []}
          backups={backups.data ?? []}
          {...(backup ? { backup } : {})}
        />
        <FormError error={create.error} id="create-error" />
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create instance'}
        </button>
      </form>
    </section>
  );
}
