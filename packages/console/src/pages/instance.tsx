// An instance's page: its state (and the reason when it is not healthy), the connection command
// and URI, the live operation timeline, databases and users, metrics, and its actions.

import { lazy, Suspense } from 'react';
import { href } from '../router';
import { useDatabases, useFlavors, useInstance, useOperations, useUsers } from '../queries';
import { QueryState, StatusBadge } from '../components/query-state';
import { Timeline } from '../components/timeline';
import { Connection } from '../components/connection';
import { DatabasesAndUsers } from '../components/db-users';
import { Actions } from '../components/danger-zone';
import { ConfigurationPanel } from '../components/configuration-panel';
import { RootAndResize } from '../components/root-and-resize';
import { Replication } from '../components/replication';
import { GuestLogs } from '../components/guest-logs';
import type { Instance } from '../types';

const MetricsPlot = lazy(() => import('../components/metrics-plot'));

function Facts({ instance }: { readonly instance: Instance }) {
  const flavors = useFlavors();
  const flavor = flavors.data?.find((f) => String(f.id) === String(instance.flavor.id));
  return (
    <dl className="facts">
      <dt>Datastore</dt>
      <dd>
        {instance.datastore.type} {instance.datastore.version}
      </dd>
      <dt>Flavor</dt>
      <dd>{flavor ? `${flavor.name} (${flavor.ram} MB)` : instance.flavor.id}</dd>
      <dt>Volume</dt>
      <dd>
        {instance.volume
          ? `${instance.volume.used?.toFixed(2) ?? '?'} GB used of ${instance.volume.size} GB`
          : 'none'}
      </dd>
      <dt>Address</dt>
      <dd>{instance.ip?.join(', ') ?? instance.hostname ?? 'not yet'}</dd>
      <dt>Configuration group</dt>
      <dd>{instance.configuration?.name ?? 'none'}</dd>
      <dt>Id</dt>
      <dd>
        <code>{instance.id}</code>
      </dd>
    </dl>
  );
}

function Loaded({ instance }: { readonly instance: Instance }) {
  // Up and answering: its databases, users and configuration can be read and changed.
  const ready = instance.status === 'ACTIVE' || instance.status === 'RESTART_REQUIRED';
  const operations = useOperations(instance.id);
  const databases = useDatabases(instance.id, ready);
  const users = useUsers(instance.id, ready);
  return (
    <>
      <div className="title-row">
        <h1 id="instance-title">{instance.name}</h1>
      </div>
      <p className="states">
        Status{' '}
        <span id="instance-status">
          <StatusBadge status={instance.status} />
        </span>{' '}
        · Operating status{' '}
        <span id="instance-operating-status">
          <StatusBadge status={instance.operating_status} />
        </span>
      </p>
      {instance.status === 'RESTART_REQUIRED' && (
        <p className="notice" role="status">
          A configuration change waits for a restart to take effect: restart the instance when it
          suits you.
        </p>
      )}
      {instance.fault && (
        <div className="error" role="alert">
          <p>{instance.fault.message}</p>
          {instance.fault.details && <pre>{instance.fault.details}</pre>}
        </div>
      )}
      <Facts instance={instance} />
      <section aria-labelledby="connect-title">
        <h2 id="connect-title">Connect</h2>
        <Connection instance={instance} users={users.data ?? []} databases={databases.data ?? []} />
      </section>
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Operations</h2>
        <QueryState query={operations}>{(list) => <Timeline operations={list} />}</QueryState>
      </section>
      {ready && (
        <DatabasesAndUsers
          id={instance.id}
          databases={databases.data ?? []}
          users={users.data ?? []}
        />
      )}
      {ready && <ConfigurationPanel instance={instance} />}
      {ready && <RootAndResize instance={instance} />}
      <Replication instance={instance} />
      {ready && <GuestLogs id={instance.id} />}
      <section aria-labelledby="metrics-title">
        <h2 id="metrics-title">Metrics</h2>
        <Suspense fallback={<p role="status">Loading plots…</p>}>
          <MetricsPlot id={instance.id} />
        </Suspense>
      </section>
      <Actions instance={instance} />
    </>
  );
}

export function InstancePage({ id }: { readonly id: string }) {
  const instance = useInstance(id);
  return (
    <article aria-labelledby="instance-title">
      <p>
        <a href={href('instances')}>← All instances</a>
      </p>
      <QueryState query={instance}>{(i) => <Loaded instance={i} />}</QueryState>
    </article>
  );
}
