// The options every datastore group carries because the control plane or the guest core reads
// them for any datastore (the 2014 split). A datastore supplies its defaults and adds its own.

import { namespaces } from '../contract.js';
import { opt, types } from './options.js';
import type { PortRange } from './option-types.js';

/** `'5432'` or `'6000-6010'` as a typed port range, for writing defaults the way Trove does. */
export function portRanges(...specs: string[]): PortRange[] {
  return specs.map((spec) => {
    const parsed = types.portRange().parse(spec);
    if (!parsed.ok) throw new TypeError(`'${spec}' is not a port or a port range`);
    return parsed.value;
  });
}

export interface StandardServerDefaults {
  readonly datastore: string;
  readonly tcpPorts: readonly string[];
  readonly udpPorts?: readonly string[];
  readonly rootOnCreate?: boolean;
  /** Seconds the taskmanager waits for a new instance's guest to report healthy. */
  readonly usageTimeout: number;
  /** Empty when the datastore cannot back up. */
  readonly backupStrategy: string;
  readonly replicationStrategy: string;
}

export function standardServerOptions(d: StandardServerDefaults) {
  return {
    tcp_ports: opt.list(types.portRange(), {
      help: `TCP ports (or ranges such as 6000-6010) that clients of a ${d.datastore} instance reach; the network rules of every instance are made from them and the request's allowed CIDRs.`,
      default: portRanges(...d.tcpPorts),
    }),
    udp_ports: opt.list(types.portRange(), {
      help: `UDP ports (or ranges) that clients of a ${d.datastore} instance reach.`,
      default: portRanges(...(d.udpPorts ?? [])),
    }),
    root_on_create: opt.bool({
      help: 'Enable the root account when an instance is created; the create response then carries its generated password, shown once.',
      default: d.rootOnCreate ?? false,
    }),
    usage_timeout: opt.duration({
      help: `How long the taskmanager waits, after starting a ${d.datastore} instance, for its guest to report a healthy server before the instance goes to ERROR.`,
      default: d.usageTimeout,
      min: 1,
    }),
    backup_strategy: opt.str({
      help: 'The backup strategy instances of this datastore use. The API offers backups only when it is set; empty turns backups off.',
      default: d.backupStrategy,
    }),
    replication_strategy: opt.str({
      help: 'The replication strategy replicas of this datastore use; empty turns replicas off.',
      default: d.replicationStrategy,
    }),
    volume_support: opt.bool({
      help: "Give instances a data volume of the requested size; when false, data lives on the instance's own disk and volume sizes are refused.",
      default: true,
    }),
    default_password_length: opt.int({
      help: 'Length of the passwords Cellar generates for root on create.',
      default: 36,
      min: 12,
      max: 128,
    }),
  };
}

export interface StandardGuestDefaults {
  readonly datastore: string;
  readonly mountPoint: string;
  readonly backupStrategy: string;
  readonly replicationStrategy: string;
}

export function standardGuestOptions(d: StandardGuestDefaults) {
  return {
    mount_point: opt.str({
      help: `Where the guest mounts the instance's data volume; the ${d.datastore} data directory lives under it.`,
      default: d.mountPoint,
      regex: /^\//,
    }),
    backup_strategy: opt.str({
      help: `The backup strategy the guest runs, by its name in backup_namespace.`,
      default: d.backupStrategy,
    }),
    backup_namespace: opt.str({
      help: 'The entry-point namespace the guest finds backup strategies in.',
      default: namespaces.backupStrategy,
      advanced: true,
    }),
    restore_namespace: opt.str({
      help: 'The entry-point namespace the guest finds restore strategies in.',
      default: namespaces.restoreStrategy,
      advanced: true,
    }),
    replication_strategy: opt.str({
      help: 'The replication strategy the guest runs for replicas.',
      default: d.replicationStrategy,
    }),
    default_password_length: opt.int({
      help: 'Length of the passwords the guest generates (root enable without a password).',
      default: 36,
      min: 12,
      max: 128,
    }),
  };
}
