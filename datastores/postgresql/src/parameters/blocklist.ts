// What a tenant must not set through a configuration group, kept out of PostgreSQL's catalog when
// it is generated: each entry says why. A parameter matching none stays settable.

export interface BlockRule {
  /** The whole name, or a prefix ending in `_` (`ssl_` is every ssl_* setting). */
  readonly names: readonly string[];
  readonly why: string;
}

export const blocklist: readonly BlockRule[] = [
  {
    names: ['data_directory', 'config_file', 'hba_file', 'ident_file', 'external_pid_file'],
    why: 'paths of the instance files Cellar lays out',
  },
  {
    names: ['krb_server_keyfile', 'dynamic_library_path', 'promote_trigger_file', 'event_source'],
    why: 'paths and files on the guest',
  },
  {
    names: ['listen_addresses', 'port', 'unix_socket_', 'bonjour', 'bonjour_name'],
    why: 'where the server listens: Cellar binds it to the instance address and guest socket',
  },
  {
    names: [
      'wal_level',
      'primary_conninfo',
      'primary_slot_name',
      'archive_',
      'restore_command',
      'recovery_',
      'synchronous_standby_names',
      'max_wal_senders',
      'max_replication_slots',
      'max_slot_wal_keep_size',
      'wal_keep_size',
      'wal_log_hints',
      'wal_receiver_',
      'wal_sender_timeout',
      'wal_retrieve_retry_interval',
      'hot_standby',
      'hot_standby_feedback',
      'max_standby_archive_delay',
      'max_standby_streaming_delay',
      'default_transaction_read_only',
      'cluster_name',
    ],
    why: 'archiving, replication and read-only mode, which backups and replicas rely on',
  },
  {
    names: [
      'ssl',
      'ssl_',
      'password_encryption',
      'db_user_namespace',
      'krb_caseins_users',
      'lo_compat_privileges',
      'shared_preload_libraries',
      'session_preload_libraries',
      'local_preload_libraries',
      'jit_provider',
    ],
    why: 'authentication, encryption and loading libraries into the server',
  },
  {
    names: [
      'log_destination',
      'logging_collector',
      'log_directory',
      'log_filename',
      'log_file_mode',
      'log_line_prefix',
      'log_rotation_age',
      'log_rotation_size',
      'log_truncate_on_rotation',
      'syslog_',
    ],
    why: "the server log: Cellar collects its stderr into the guest's log files",
  },
  {
    names: [
      'log_statement',
      'log_min_duration_statement',
      'log_min_duration_sample',
      'log_statement_sample_rate',
      'log_transaction_sample_rate',
    ],
    why: 'statements (with the passwords in them) stay out of the log on the guest disk',
  },
  {
    names: ['transaction_isolation', 'transaction_read_only', 'transaction_deferrable'],
    why: "a session's own transaction state, not a server setting (use default_transaction_*)",
  },
];

/** pg_settings categories left out whole: developer options can corrupt data or crash the server. */
export const blockedCategories: readonly string[] = ['Developer Options'];

/** The rule keeping `name` out, if any. */
export function blockedBy(name: string, category = ''): string | undefined {
  if (blockedCategories.includes(category)) return `the ${category} category`;
  const rule = blocklist.find((r) =>
    r.names.some((n) => (n.endsWith('_') ? name.startsWith(n) : name === n)),
  );
  return rule?.why;
}
