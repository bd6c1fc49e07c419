// A datastore version's configuration parameters, read when the reader opens them: each one's
// type, range or choices, and whether a change needs a restart; filtered by name.

import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useProjectApi } from '../queries';
import { QueryState } from './query-state';

interface Parameter {
  readonly name: string;
  readonly type: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  readonly restart_required: boolean;
}

const range = (p: Parameter): string =>
  p.choices
    ? p.choices.join(', ')
    : p.min !== undefined || p.max !== undefined
      ? `${p.min ?? ''} – ${p.max ?? ''}`
      : '';

function Table({ datastore, version }: { readonly datastore: string; readonly version: string }) {
  const api = useProjectApi();
  const [text, setText] = useState('');
  const query = useQuery({
    queryKey: ['parameters', datastore, version],
    queryFn: async () =>
      (
        await api<{ 'configuration-parameters': Parameter[] }>(
          'GET',
          `/datastores/${encodeURIComponent(datastore)}/versions/${encodeURIComponent(version)}/parameters`,
        )
      )['configuration-parameters'],
    staleTime: Infinity,
  });
  return (
    <QueryState query={query}>
      {(list) => (
        <>
          <label>
            Filter the {list.length} parameters of {datastore} {version}
            <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
          </label>
          <div
            className="table-scroll"
            tabIndex={0}
            role="region"
            aria-label={`Parameters of ${datastore} ${version}`}
          >
            <table>
              <thead>
                <tr>
                  <th scope="col">Parameter</th>
                  <th scope="col">Type</th>
                  <th scope="col">Range or choices</th>
                  <th scope="col">Restart</th>
                </tr>
              </thead>
              <tbody>
                {list
                  .filter((p) => p.name.includes(text.trim()))
                  .slice(0, 200)
                  .map((p) => (
                    <tr key={p.name}>
                      <th scope="row">{p.name}</th>
                      <td>{p.type}</td>
                      <td>{range(p)}</td>
                      <td>{p.restart_required ? 'needed' : 'no'}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </QueryState>
  );
}

export function Parameters({
  datastore,
  version,
}: {
  readonly datastore: string;
  readonly version: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Parameters of {datastore} {version}
      </summary>
      {open && <Table datastore={datastore} version={version} />}
    </details>
  );
}
