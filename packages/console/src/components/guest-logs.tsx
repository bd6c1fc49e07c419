// An instance's guest logs: each with its state, enable or disable where the user may switch it
// (USER logs), publish to the backup storage, and the last lines of what was published.

import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { callText, v1 } from '../api';
import { useProjectApi } from '../queries';
import { useSession } from '../session';
import { FormError } from './form-error';
import { QueryState } from './query-state';
import type { GuestLog } from '../types';

/** How many lines of a published log are shown. */
const LINES = 200;

type LogAction = 'enable' | 'disable' | 'publish';

function useGuestLogs(id: string) {
  const api = useProjectApi();
  const client = useQueryClient();
  const logs = useQuery({
    queryKey: ['logs', id],
    queryFn: async () => (await api<{ logs: GuestLog[] }>('GET', `/instances/${id}/log`)).logs,
  });
  const act = useMutation({
    mutationFn: ({ name, action }: { name: string; action: LogAction }) =>
      api('POST', `/instances/${id}/log`, { name, [action]: true }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['logs', id] }),
  });
  return { logs, act };
}

/** The published text of one log, fetched when the user asks for it. */
function Published({ id, name }: { readonly id: string; readonly name: string }) {
  const { project_id: project } = useSession();
  const text = useQuery({
    queryKey: ['log-text', id, name],
    queryFn: () => callText(v1(project, `/instances/${id}/log/${name}?lines=${LINES}`)),
  });
  return (
    <QueryState query={text}>
      {(body) => (
        <pre
          className="log-text"
          tabIndex={0}
          role="region"
          aria-label={`Published ${name} log, last ${LINES} lines`}
        >
          {body === '' ? '(nothing published yet)' : body}
        </pre>
      )}
    </QueryState>
  );
}

function LogRow(props: {
  readonly log: GuestLog;
  readonly busy: boolean;
  readonly onAction: (action: LogAction) => void;
  readonly onShow: () => void;
}) {
  const { log } = props;
  const enabled = log.status !== 'Disabled';
  return (
    <tr>
      <th scope="row">{log.name}</th>
      <td>{log.type}</td>
      <td className="log-status">{log.status}</td>
      <td>{log.published}</td>
      <td>{log.pending}</td>
      <td>
        <div className="button-row">
          {log.type === 'USER' && (
            <button
              type="button"
              disabled={props.busy}
              onClick={() => props.onAction(enabled ? 'disable' : 'enable')}
              aria-label={`${enabled ? 'Disable' : 'Enable'} the ${log.name} log`}
            >
              {enabled ? 'Disable' : 'Enable'}
            </button>
          )}
          <button
            type="button"
            disabled={props.busy}
            onClick={() => props.onAction('publish')}
            aria-label={`Publish the ${log.name} log`}
          >
            Publish
          </button>
          <button type="button" onClick={props.onShow} aria-label={`Show the ${log.name} log`}>
            Show
          </button>
        </div>
      </td>
    </tr>
  );
}

export function GuestLogs({ id }: { readonly id: string }) {
  const { logs, act } = useGuestLogs(id);
  const client = useQueryClient();
  const [shown, setShown] = useState<string | undefined>();
  const show = (name: string) => {
    setShown(name);
    void client.invalidateQueries({ queryKey: ['log-text', id, name] });
  };
  return (
    <section aria-labelledby="logs-title">
      <h2 id="logs-title">Guest logs</h2>
      <QueryState query={logs}>
        {(list) => (
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Guest logs table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Log</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Published (bytes)</th>
                  <th scope="col">Pending (bytes)</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.map((log) => (
                  <LogRow
                    key={log.name}
                    log={log}
                    busy={act.isPending}
                    onAction={(action) => act.mutate({ name: log.name, action })}
                    onShow={() => show(log.name)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      <FormError error={act.error} />
      {act.isSuccess && (
        <p role="status">
          {act.variables.name}: {act.variables.action} done.
        </p>
      )}
      {shown !== undefined && <Published id={id} name={shown} />}
    </section>
  );
}
