// The configuration groups page: each group, its datastore, the instances it is attached to
// and its values.

import { useConfigurations } from '../queries';
import { QueryState } from '../components/query-state';
import { NewConfiguration } from '../components/new-configuration';

export function ConfigurationsPage() {
  const groups = useConfigurations();
  return (
    <section aria-labelledby="configurations-title">
      <h1 id="configurations-title">Configuration groups</h1>
      <QueryState query={groups}>
        {(list) =>
          list.length === 0 ? (
            <p>No configuration groups yet.</p>
          ) : (
            <ul className="cards">
              {list.map((g) => (
                <li key={g.id} className="card">
                  <h2>{g.name}</h2>
                  <p className="muted">
                    {g.datastore_name} {g.datastore_version_name} · {g.instance_count ?? 0}{' '}
                    instance(s)
                  </p>
                  {g.description && <p>{g.description}</p>}
                  <dl className="facts">
                    {Object.entries(g.values ?? {}).map(([k, v]) => (
                      <div key={k}>
                        <dt>{k}</dt>
                        <dd>{String(v)}</dd>
                      </div>
                    ))}
                  </dl>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
      <NewConfiguration />
    </section>
  );
}
