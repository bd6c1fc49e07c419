// The create form's restore: a backup, and optionally a moment to replay its instance's WAL to
// (`restorePoint.restore_time`), with the times that instance's detail says can be restored.

import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useProjectApi } from '../queries';
import type { Backup, Instance, RecoverableWindow } from '../types';

/** The source instance's recoverable window, when its detail has one (PITR archiving on). */
function useWindow(source: string | null | undefined): RecoverableWindow | undefined {
  const api = useProjectApi();
  const detail = useQuery({
    // Its own key: the event stream writes instances as the lists show them, without the window.
    queryKey: ['recoverable-window', source],
    queryFn: async () =>
      (await api<{ instance: Instance }>('GET', `/instances/${source}`)).instance,
    enabled: Boolean(source),
    retry: false,
    refetchInterval: 5_000,
  });
  return detail.data?.recoverable_window;
}

function WindowNote({ recoverable }: { readonly recoverable: RecoverableWindow | undefined }) {
  if (!recoverable) return null;
  if ('error' in recoverable)
    return <p id="recoverable-window">The recoverable window is unknown: {recoverable.error}</p>;
  return (
    <div id="recoverable-window">
      <p>
        {recoverable.spans.length === 0
          ? 'The source instance has no recoverable window yet.'
          : 'The source instance can be restored to any time in:'}
      </p>
      {recoverable.spans.length > 0 && (
        <ul aria-label="Recoverable window">
          {recoverable.spans.map((s) => (
            <li key={s.earliest}>
              {s.earliest} to {s.latest}
            </li>
          ))}
        </ul>
      )}
      {recoverable.gaps.length > 0 && (
        <p>Missing from the archive: {recoverable.gaps.join(', ')}</p>
      )}
    </div>
  );
}

export function RestoreFrom(props: {
  readonly backups: readonly Backup[];
  readonly backup?: string;
}) {
  const [picked, setPicked] = useState<string | undefined>();
  const chosen = picked ?? props.backup ?? '';
  const source = props.backups.find((b) => b.id === chosen)?.instance_id;
  const recoverable = useWindow(source);
  return (
    <>
      <label>
        Restore from a backup
        <select name="backup" value={chosen} onChange={(e) => setPicked(e.target.value)}>
          <option value="">None</option>
          {props.backups
            .filter((b) => b.status === 'COMPLETED' || b.id === chosen)
            .map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
        </select>
      </label>
      {chosen !== '' && (
        <>
          <label>
            Restore to a point in time (ISO 8601, e.g. 2026-11-30T12:00:00Z; empty restores the
            backup as it was taken)
            <input
              name="restore_time"
              autoComplete="off"
              aria-describedby={recoverable ? 'recoverable-window' : undefined}
            />
          </label>
          <WindowNote recoverable={recoverable} />
        </>
      )}
    </>
  );
}
