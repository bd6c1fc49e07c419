// What a page shows while its data loads or when the API refused it.

import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { errorText } from '../api';

export function QueryState<T>({
  query,
  children,
}: {
  readonly query: UseQueryResult<T>;
  readonly children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <p role="status">Loading…</p>;
  if (query.isError)
    return (
      <p className="error" role="alert">
        {errorText(query.error)}
      </p>
    );
  return <>{children(query.data)}</>;
}

/** A status as a labelled badge: its colour says healthy, busy or failed, its text says which. */
export function StatusBadge({ status }: { readonly status: string }) {
  const tone = /^(ACTIVE|HEALTHY|COMPLETED|succeeded)$/.test(status)
    ? 'ok'
    : /ERROR|FAILED|failed|SHUTDOWN|UNKNOWN/.test(status)
      ? 'bad'
      : 'busy';
  return <span className={`badge ${tone}`}>{status}</span>;
}
