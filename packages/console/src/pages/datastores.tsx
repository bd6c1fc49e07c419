// The datastores page: each datastore this Cellar offers and its versions.

import { useDatastores } from '../queries';
import { QueryState } from '../components/query-state';
import { Parameters } from '../components/parameters';

export function DatastoresPage() {
  const datastores = useDatastores();
  return (
    <section aria-labelledby="datastores-title">
      <h1 id="datastores-title">Datastores</h1>
      <QueryState query={datastores}>
        {(list) => (
          <ul className="cards">
            {list.map((d) => (
              <li key={d.id} className="card">
                <h2>{d.name}</h2>
                <p>Versions: {d.versions.map((v) => v.name).join(', ') || 'none'}</p>
                {d.versions.map((v) => (
                  <Parameters key={v.id} datastore={d.name} version={v.name} />
                ))}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
