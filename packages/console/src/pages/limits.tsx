// Quotas and limits: how many instances, volumes (GB), backups and how much RAM the project may
// use, what it uses now, and the API's request rates per minute.

import { useQuery } from '@tanstack/react-query';
import { useBackups, useInstances, useProjectApi } from '../queries';
import { QueryState } from '../components/query-state';

interface Absolute {
  readonly verb: 'ABSOLUTE';
  readonly max_instances: number;
  readonly max_ram: number;
  readonly max_volumes: number;
  readonly max_backups: number;
}

interface Rate {
  readonly verb: string;
  readonly uri: string;
  readonly value: number;
  readonly remaining: number;
  readonly unit: string;
}

const limitText = (n: number): string => (n < 0 ? 'unlimited' : String(n));

export function LimitsPage() {
  const api = useProjectApi();
  const limits = useQuery({
    queryKey: ['limits'],
    queryFn: async () => (await api<{ limits: (Absolute | Rate)[] }>('GET', '/limits')).limits,
  });
  const instances = useInstances().data ?? [];
  const backups = useBackups().data ?? [];
  const volumes = instances.reduce((sum, i) => sum + (i.volume?.size ?? 0), 0);
  return (
    <section aria-labelledby="limits-title">
      <h1 id="limits-title">Quotas and limits</h1>
      <QueryState query={limits}>
        {(list) => {
          const absolute = list.find((l): l is Absolute => l.verb === 'ABSOLUTE');
          const rates = list.filter((l): l is Rate => l.verb !== 'ABSOLUTE');
          return (
            <>
              <h2>Resources</h2>
              <dl className="facts">
                <dt>Instances</dt>
                <dd>
                  {instances.length} of {limitText(absolute?.max_instances ?? -1)}
                </dd>
                <dt>Volumes (GB)</dt>
                <dd>
                  {volumes} of {limitText(absolute?.max_volumes ?? -1)}
                </dd>
                <dt>Backups</dt>
                <dd>
                  {backups.length} of {limitText(absolute?.max_backups ?? -1)}
                </dd>
                <dt>RAM (MB)</dt>
                <dd>{limitText(absolute?.max_ram ?? -1)}</dd>
              </dl>
              <h2>Request rates</h2>
              <ul>
                {rates.map((r) => (
                  <li key={`${r.verb} ${r.uri}`}>
                    {r.verb} {r.uri}: {r.value} a {r.unit.toLowerCase()} ({r.remaining} left now)
                  </li>
                ))}
              </ul>
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
