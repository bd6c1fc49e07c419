// What a tenant must not set through a configuration group, kept out of Redis's catalog when it is
// generated (and never tried on the generator's server): each entry says why.

export interface BlockRule {
  /** Whole names; `x-` is a prefix (every x-*). */
  readonly names: readonly string[];
  readonly why: string;
}

export const blocklist: readonly BlockRule[] = [
  {
    names: [
      'dir',
      'dbfilename',
      'logfile',
      'pidfile',
      'appendfilename',
      'appenddirname',
      'aclfile',
      'cluster-config-file',
      'proc-title-template',
      'syslog-',
    ],
    why: 'paths and files on the guest, which Cellar lays out',
  },
  {
    names: ['bind', 'bind-source-addr', 'port', 'unixsocket', 'unixsocketperm', 'protected-mode'],
    why: 'where the server listens: Cellar binds it to the instance address and guest socket',
  },
  {
    names: [
      'replicaof',
      'slaveof',
      'masterauth',
      'masteruser',
      'replica-',
      'slave-',
      'repl-',
      'min-replicas-',
      'min-slaves-',
      'propagation-error-behavior',
      'cluster-',
    ],
    why: 'replication (backups are a replica sync) and clustering, which Cellar runs',
  },
  {
    names: [
      'requirepass',
      'acl-pubsub-default',
      'tls-',
      'enable-debug-command',
      'enable-module-command',
      'enable-protected-configs',
      'oom-score-adj',
      'oom-score-adj-values',
    ],
    why: "security: passwords, ACL defaults, TLS, debug and module commands, the host's OOM killer",
  },
  {
    names: ['save', 'appendonly', 'shutdown-on-sigterm', 'shutdown-on-sigint', 'shutdown-timeout'],
    why: "Cellar's own: the persistence its option chooses, and how the guest stops the server",
  },
];

/** The rule keeping `name` out, if any. */
export function blockedBy(name: string): string | undefined {
  return blocklist.find((r) =>
    r.names.some((n) => (n.endsWith('-') ? name.startsWith(n) : name === n)),
  )?.why;
}
