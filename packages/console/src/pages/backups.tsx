// The backups page: every backup of the project, its state, size and instance; restore one into
// a new instance, or delete it.

import { href } from '../router';
import { useBackups } from '../queries';
import { QueryState, StatusBadge } from '../components/query-state';
import { DeleteBackup } from '../components/delete-backup';

export function BackupsPage() {
  const backups = useBackups();
  return (
    <section aria-labelledby="backups-title">
      <h1 id="backups-title">Backups</h1>
      <QueryState query={backups}>
        {(list) =>
          list.length === 0 ? (
            <p>No backups yet: take one from an instance&apos;s page.</p>
          ) : (
            <div className="table-scroll" tabIndex={0} role="region" aria-label="Backups table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Status</th>
                    <th scope="col">Datastore</th>
                    <th scope="col">Size (GB)</th>
                    <th scope="col">Instance</th>
                    <th scope="col">Created</th>
                    <th scope="col">Restore</th>
                    <th scope="col">Delete</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((b) => (
                    <tr key={b.id}>
                      <th scope="row">{b.name}</th>
                      <td>
                        <StatusBadge status={b.status} />
                      </td>
                      <td>{b.datastore ? `${b.datastore.type} ${b.datastore.version}` : ''}</td>
                      <td>{b.size ?? ''}</td>
                      <td>
                        {b.instance_id ? (
                          <a href={href('instances', b.instance_id)}>{b.instance_id.slice(0, 8)}</a>
                        ) : (
                          'deleted'
                        )}
                      </td>
                      <td>{new Date(b.created).toLocaleString()}</td>
                      <td>
                        {b.status === 'COMPLETED' && (
                          <a
                            href={href('instances', 'new', b.id)}
                            aria-label={`Restore ${b.name} into a new instance`}
                          >
                            Restore
                          </a>
                        )}
                      </td>
                      <td>
                        <DeleteBackup backup={b} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
    </section>
  );
}
