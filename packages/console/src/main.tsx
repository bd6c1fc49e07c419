// The console's entry: one query client for the page, the root component, the styles.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from './app';
import './styles.css';

const client = new QueryClient({
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
