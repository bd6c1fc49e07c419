// The instances page: every instance of the project with its status, operating status,
// datastore, version, flavor, volume use and address; filtered by text and status, sorted by
// any column.

import { useMemo, useState } from 'react';
import { href } from '../router';
import { useFlavors, useInstances } from '../queries';
import { QueryState, StatusBadge } from '../components/query-state';
import type { Flavor, Instance } from '../types';

type Column =
  | 'name'
  | 'status'
  | 'operating_status'
  | 'datastore'
  | 'version'
  | 'flavor'
  | 'volume'
  | 'address';

const COLUMNS: readonly [Column, string][] = [
  ['name', 'Name'],
  ['status', 'Status'],
  ['operating_status', 'Operating status'],
  ['datastore', 'Datastore'],
  ['version', 'Version'],
  ['flavor', 'Flavor'],
  ['volume', 'Volume (GB used / size)'],
  ['address', 'Address'],
];

const volumeText = (i: Instance): string =>
  i.volume
    ? `${i.volume.used === undefined ? '?' : i.volume.used.toFixed(2)} / ${i.volume.size}`
    : '';

function cell(i: Instance, column: Column, flavors: Map<string, string>): string {
  switch (column) {
    case 'name':
    case 'status':
    case 'operating_status':
      return i[column];
    case 'datastore':
      return i.datastore.type;
    case 'version':
      return i.datastore.version;
    case 'flavor':
      return flavors.get(String(i.flavor.id)) ?? String(i.flavor.id);
    case 'volume':
      return volumeText(i);
    case 'address':
      return i.ip?.[0] ?? i.hostname ?? '';
  }
}

interface Sort {
  readonly column: Column;
  readonly up: boolean;
}

function Filters(props: {
  readonly text: string;
  readonly onText: (text: string) => void;
  readonly status: string;
  readonly onStatus: (status: string) => void;
  readonly statuses: readonly string[];
}) {
  return (
    <div className="filters">
      <label>
        Filter
        <input
          type="search"
          value={props.text}
          onChange={(e) => props.onText(e.target.value)}
          placeholder="name, datastore, address…"
        />
      </label>
      <label>
        Status
        <select value={props.status} onChange={(e) => props.onStatus(e.target.value)}>
          <option value="">Any</option>
          {props.statuses.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
    </div>
  );
}

/** Column headers as buttons: a click sorts by the column, a second click reverses it. */
function Header({ sort, onSort }: { readonly sort: Sort; readonly onSort: (s: Sort) => void }) {
  return (
    <thead>
      <tr>
        {COLUMNS.map(([column, label]) => (
          <th
            key={column}
            scope="col"
            aria-sort={sort.column === column ? (sort.up ? 'ascending' : 'descending') : 'none'}
          >
            <button
              type="button"
              className="sort"
              onClick={() => onSort({ column, up: sort.column === column ? !sort.up : true })}
            >
              {label}
            </button>
          </th>
        ))}
      </tr>
    </thead>
  );
}

function Row({ i, names }: { readonly i: Instance; readonly names: Map<string, string> }) {
  return (
    <tr>
      <th scope="row">
        <a href={href('instances', i.id)}>{i.name}</a>
      </th>
      <td>
        <StatusBadge status={i.status} />
      </td>
      <td>
        <StatusBadge status={i.operating_status} />
      </td>
      {COLUMNS.slice(3).map(([column]) => (
        <td key={column}>{cell(i, column, names)}</td>
      ))}
    </tr>
  );
}

function InstanceTable(props: { readonly instances: Instance[]; readonly flavors: Flavor[] }) {
  const { instances, flavors } = props;
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const [sort, setSort] = useState<Sort>({ column: 'name', up: true });
  const names = useMemo(() => new Map(flavors.map((f) => [String(f.id), f.name])), [flavors]);
  const needle = text.trim().toLowerCase();
  const shown = instances
    .filter((i) => status === '' || i.status === status)
    .filter(
      (i) =>
        needle === '' || COLUMNS.some(([c]) => cell(i, c, names).toLowerCase().includes(needle)),
    )
    .sort((a, b) => {
      const [x, y] = [cell(a, sort.column, names), cell(b, sort.column, names)];
      const order = x.localeCompare(y, undefined, { numeric: true });
      return sort.up ? order : -order;
    });
  const statuses = [...new Set(instances.map((i) => i.status))].sort();
  return (
    <>
      <Filters {...{ text, status, statuses }} onText={setText} onStatus={setStatus} />
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Instances table">
        <table>
          <caption className="visually-hidden">
            {shown.length} of {instances.length} instances, sorted by {sort.column}{' '}
            {sort.up ? 'ascending' : 'descending'}
          </caption>
          <Header sort={sort} onSort={setSort} />
          <tbody>
            {shown.map((i) => (
              <Row key={i.id} i={i} names={names} />
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && (
        <p>{instances.length === 0 ? 'No instances yet.' : 'No instance matches.'}</p>
      )}
    </>
  );
}

export function InstancesPage() {
  const instances = useInstances();
  const flavors = useFlavors();
  return (
    <section aria-labelledby="instances-title">
      <div className="title-row">
        <h1 id="instances-title">Instances</h1>
        <a className="button" href={href('instances', 'new')}>
          Create instance
        </a>
      </div>
      <QueryState query={instances}>
        {(list) => <InstanceTable instances={list} flavors={flavors.data ?? []} />}
      </QueryState>
    </section>
  );
}
