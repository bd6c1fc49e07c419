// Live state: the project's event stream (GET /v1.0/{project}/events) updates the cached
// queries as changes happen; while the stream does not answer, queries poll modestly instead.

import { createContext, useContext, useEffect, useState } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { Backup, Instance, Operation } from './types';

/** Whether the event stream is open: when it is not, pages poll (every few seconds). */
export const LiveContext = createContext(false);

/** The refetch interval a query uses: none while events arrive, `ms` while they do not. */
export function usePolling(ms: number): number | false {
  return useContext(LiveContext) ? false : ms;
}

function applyInstance(client: QueryClient, instance: Instance): void {
  if (instance.deleted) client.removeQueries({ queryKey: ['instance', instance.id] });
  else client.setQueryData(['instance', instance.id], instance);
  client.setQueryData<Instance[]>(['instances'], (list) => {
    if (!list) return list;
    const others = list.filter((i) => i.id !== instance.id);
    if (instance.deleted) return others;
    const found = list.some((i) => i.id === instance.id);
    return found ? list.map((i) => (i.id === instance.id ? instance : i)) : [...others, instance];
  });
}

const RETRY_MS = 30_000;

/** Opens the stream for `project`; answers whether it is open now. */
export function useEventStream(project: string): boolean {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      source = new EventSource(`/v1.0/${encodeURIComponent(project)}/events`, {
        withCredentials: true,
      });
      source.onopen = () => setOpen(true);
      source.onerror = () => {
        setOpen(false);
        // Closed for good (no such route yet, or a refusal): poll, and try again later.
        if (source?.readyState === EventSource.CLOSED) retry = setTimeout(connect, RETRY_MS);
      };
      source.addEventListener('instance', (e: MessageEvent<string>) =>
        applyInstance(client, JSON.parse(e.data) as Instance),
      );
      source.addEventListener('operation', (e: MessageEvent<string>) => {
        const operation = JSON.parse(e.data) as Operation;
        void client.invalidateQueries({ queryKey: ['operations', operation.instance_id] });
      });
      source.addEventListener('backup', (e: MessageEvent<string>) => {
        const backup = JSON.parse(e.data) as Backup;
        void client.invalidateQueries({ queryKey: ['backups'] });
        if (backup.instance_id)
          void client.invalidateQueries({ queryKey: ['backups', backup.instance_id] });
      });
    };
    connect();
    return () => {
      clearTimeout(retry);
      source?.close();
      setOpen(false);
    };
  }, [client, project]);
  return open;
}
