// The console's frame: the session (or the sign-in page), the navigation, the live-state
// provider and the page the URL names.

import { useMemo, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, call, errorText } from './api';
import { LiveContext, useEventStream } from './live';
import { href, useRoute, type Route } from './router';
import { SessionContext, useSession, type Session } from './session';
import type { SessionView } from './types';
import { SignIn } from './pages/sign-in';
import { InstancesPage } from './pages/instances';
import { InstancePage } from './pages/instance';
import { CreateInstancePage } from './pages/create-instance';
import { BackupsPage } from './pages/backups';
import { ConfigurationsPage } from './pages/configurations';
import { DatastoresPage } from './pages/datastores';
import { LimitsPage } from './pages/limits';
import { ProjectSwitch } from './components/project-switch';

function page(route: Route): ReactNode {
  switch (route.page) {
    case 'instances':
      return <InstancesPage />;
    case 'create':
      return <CreateInstancePage {...(route.backup ? { backup: route.backup } : {})} />;
    case 'instance':
      return <InstancePage id={route.id} />;
    case 'backups':
      return <BackupsPage />;
    case 'configurations':
      return <ConfigurationsPage />;
    case 'datastores':
      return <DatastoresPage />;
    case 'limits':
      return <LimitsPage />;
  }
}

const NAV: readonly [Route['page'], string][] = [
  ['instances', 'Instances'],
  ['backups', 'Backups'],
  ['configurations', 'Configuration groups'],
  ['datastores', 'Datastores'],
  ['limits', 'Quotas and limits'],
];

function Frame() {
  const session = useSession();
  const route = useRoute();
  const live = useEventStream(session.project_id);
  const current = route.page === 'create' || route.page === 'instance' ? 'instances' : route.page;
  return (
    <LiveContext.Provider value={live}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Cellar</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map(([name, label]) => (
              <li key={name}>
                <a href={href(name)} aria-current={current === name ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <ProjectSwitch />
          <span className="live" title={live ? 'Live updates' : 'Refreshing every few seconds'}>
            {live ? 'Live' : 'Polling'}
          </span>
          <span>{session.user}</span>
          <button type="button" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {page(route)}
      </main>
    </LiveContext.Provider>
  );
}

export function App() {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: ['session'],
    queryFn: () => call<SessionView>('GET', '/dashboard/api/session'),
    retry: false,
    staleTime: Infinity,
  });
  const session = useMemo<Session | undefined>(() => {
    // A refused session check (it ended) means signed out, whatever was cached before.
    const view = query.isError ? undefined : query.data;
    if (!view) return undefined;
    const start = (next: SessionView) => {
      client.clear();
      client.setQueryData(['session'], next);
    };
    return {
      ...view,
      switchProject: async (project) =>
        start(await call<SessionView>('POST', '/dashboard/api/session', { project })),
      signOut: async () => {
        await call('DELETE', '/dashboard/api/session');
        client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
        await client.resetQueries({ queryKey: ['session'] });
      },
    };
  }, [client, query.data, query.isError]);
  if (query.isPending)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (!session) {
    // Not signed in is the usual answer; anything else (the API unreachable) is worth saying.
    const signedOut = query.error instanceof ApiError && query.error.status === 401;
    return (
      <SignIn
        onSignedIn={(view) => client.setQueryData(['session'], view)}
        {...(signedOut || !query.error ? {} : { notice: errorText(query.error) })}
      />
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Frame />
    </SessionContext.Provider>
  );
}
