// The define*() helpers a datastore plugin builds its entry points with. Each checks what it is
// given and stamps the contract brand the host verifies when it loads the entry.

import { brand, type Branded } from './contract.js';
import type { BaseDatastoreManager, GuestContext } from './manager/base-datastore-manager.js';
import { defineOptionGroup, type OptionGroup, type Options } from './options/options.js';

const datastoreName = /^[a-z][a-z0-9_]*$/;

function checkName(name: string): void {
  if (!datastoreName.test(name)) {
    throw new TypeError(`datastore name '${name}' must match ${String(datastoreName)} (it names config sections)`);
  }
}

export interface DatastoreOptions<S extends Options = Options, G extends Options = Options> {
  readonly name: string;
  /** `[<name>]` in cellar.conf: read by the API and the taskmanager. */
  readonly server: OptionGroup<'server', S>;
  /** `[<name>]` in cellar-guest.conf: read only by the guest agent. */
  readonly guest: OptionGroup<'guest', G>;
}

/** The `./options` entry: the datastore's two option groups, both named after it. */
export function defineDatastoreOptions<const S extends Options, const G extends Options>(spec: {
  readonly name: string;
  readonly title?: string;
  readonly server: S;
  readonly guest: G;
}): Branded<DatastoreOptions<S, G>> {
  checkName(spec.name);
  const title = spec.title ?? `Options for the ${spec.name} datastore`;
  return brand('datastore.options', spec.name, {
    name: spec.name,
    server: defineOptionGroup({ name: spec.name, side: 'server', title, options: spec.server }),
    guest: defineOptionGroup({ name: spec.name, side: 'guest', title, options: spec.guest }),
  });
}

export interface DatastoreVersionInfo {
  /** The version as users name it, e.g. `15` or `10.11`. */
  readonly name: string;
  /** Where this host has it (binaries directory), for the guest to use. */
  readonly location: string;
  readonly active: boolean;
}

export interface NameRule {
  readonly pattern: RegExp;
  readonly maxLength: number;
  /** Names the datastore keeps for itself (`postgres`, `mysql`, …). */
  readonly reserved?: readonly string[];
}

export interface DatastoreServer {
  readonly name: string;
  /** The versions of this datastore installed on this host, newest first. */
  versions(): Promise<readonly DatastoreVersionInfo[]>;
  readonly nameRules?: { readonly database?: NameRule; readonly user?: NameRule };
}

/** The `./server` entry: what the control plane needs without any guest code. */
export function defineDatastoreServer<T extends DatastoreServer>(server: T): Branded<T> {
  checkName(server.name);
  return brand('datastore.server', server.name, server);
}

export type DatastoreManagerClass<O = never> = new (context: GuestContext<O>) => BaseDatastoreManager<O>;

export interface DatastoreGuest<O = never> {
  readonly name: string;
  readonly manager: DatastoreManagerClass<O>;
}

/** The `./guest` entry: the manager class the guest agent instantiates. */
export function defineDatastoreGuest<O>(guest: DatastoreGuest<O>): Branded<DatastoreGuest<O>> {
  checkName(guest.name);
  if (typeof guest.manager !== 'function') {
    throw new TypeError(`datastore '${guest.name}': manager must be a class extending BaseDatastoreManager`);
  }
  return brand('datastore.guest', guest.name, guest);
}
