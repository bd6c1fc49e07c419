// A ready connection command and URI for the instance's datastore, each with a copy button: the
// first user and database the instance has, its address and the datastore's port.

import { useState } from 'react';
import type { DbUser, Instance, Named } from '../types';

interface Ways {
  readonly command: string;
  readonly uri: string;
}

/** The client command and URI for a datastore; the password is asked for, never shown. */
export function connectionOf(
  instance: Instance,
  users: readonly DbUser[],
  databases: readonly Named[],
): Ways | undefined {
  const host = instance.ip?.[0] ?? instance.hostname;
  if (host === undefined) return undefined;
  const user = users[0]?.name ?? 'USER';
  const db = users[0]?.databases?.[0]?.name ?? databases[0]?.name;
  const at = host.includes(':') ? `[${host}]` : host;
  switch (instance.datastore.type) {
    case 'postgresql': {
      const uri = `postgresql://${encodeURIComponent(user)}@${at}:5432/${encodeURIComponent(db ?? 'postgres')}`;
      return { command: `psql "${uri}"`, uri };
    }
    case 'mysql':
    case 'mariadb':
      return {
        command: `mysql -h ${host} -P 3306 -u ${user} -p ${db ?? ''}`.trim(),
        uri: `mysql://${encodeURIComponent(user)}@${at}:3306/${encodeURIComponent(db ?? '')}`,
      };
    case 'redis':
      return { command: `redis-cli -h ${host} -p 6379 --askpass`, uri: `redis://${at}:6379` };
    default:
      return undefined;
  }
}

function Copyable({
  label,
  text,
  id,
}: {
  readonly label: string;
  readonly text: string;
  readonly id: string;
}) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(text);
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <div className="copyable">
      <span id={`${id}-label`} className="label">
        {label}
      </span>
      <code id={id}>{text}</code>
      <button type="button" onClick={() => void copy()} aria-describedby={id}>
        {copied ? 'Copied' : `Copy ${label === 'URI' ? label : label.toLowerCase()}`}
      </button>
    </div>
  );
}

export function Connection(props: {
  readonly instance: Instance;
  readonly users: readonly DbUser[];
  readonly databases: readonly Named[];
}) {
  const ways = connectionOf(props.instance, props.users, props.databases);
  if (!ways) return <p>The instance has no address yet.</p>;
  return (
    <div className="connection">
      <Copyable label="Command" text={ways.command} id="connection-command" />
      <Copyable label="URI" text={ways.uri} id="connection-uri" />
      <p className="muted">The client asks for the user&apos;s password.</p>
    </div>
  );
}
