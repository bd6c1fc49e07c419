// The console's entry: one query client for the page, the root component, the styles.
//
// Why React with TanStack Query: the console is a view of server state (instances, operations,
// backups) that changes under it; TanStack Query keeps that cache, dedupes and refetches it,
// and lets the event stream write into it, so pages hold no fetching code of their own. React
// is the mainstream choice most contributors read, its accessibility tooling is mature, and
// with Vite the first page load stays near 80 KB of compressed JavaScript (limit 300 KB).

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError } from './api';
import { App } from './app';
import './styles.css';

const client: QueryClient = new QueryClient({
  // A session that ended (expired, revoked, signed out elsewhere) brings the sign-in page back.
  queryCache: new QueryCache({
    onError: (error, query) => {
      if (error instanceof ApiError && error.status === 401 && query.queryKey[0] !== 'session')
        void client.invalidateQueries({ queryKey: ['session'] });
    },
  }),
  defaultOptions: {
    // A refusal is shown at once; retrying a 4xx would only hide it for seconds.
    queries: { retry: 1, refetchOnWindowFocus: true, staleTime: 2_000 },
  },
});

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={client}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
