// What a tenant must not set through a configuration group, kept out of MariaDB's catalog when it
// is generated: each entry says why. A variable matching none stays settable.

export interface BlockRule {
  /** Whole names; `x_` is a prefix (every x_*), `_x` a suffix (every *_x). */
  readonly names: readonly string[];
  readonly why: string;
}

export const blocklist: readonly BlockRule[] = [
  {
    names: [
      '_dir',
      '_dirs',
      '_file',
      '_filename',
      '_path',
      '_directory',
      '_basename',
      '_index',
      '_tmpdir',
    ],
    why: 'paths and files on the guest, which Cellar lays out',
  },
  {
    names: ['datadir', 'basedir', 'tmpdir', 'socket', 'license'],
    why: 'paths and files on the guest, which Cellar lays out',
  },
  {
    names: ['port', 'bind_address', 'extra_port', 'skip_networking', 'proxy_protocol_networks'],
    why: 'where the server listens: Cellar binds it to the instance address and guest socket',
  },
  {
    names: [
      'server_id',
      'server_uid',
      'gtid_',
      'log_bin',
      'relay_log',
      'relay_log_',
      'max_relay_log_size',
      'read_only',
      'rpl_semi_sync_',
      'log_slave_updates',
      'replicate_',
      'slave_',
      'sql_slave_skip_counter',
      'master_',
      'sync_master_info',
      'sync_relay_log',
      'sync_relay_log_info',
      'report_',
      'init_slave',
      'binlog_format',
      'binlog_row_image',
      'binlog_checksum',
      'binlog_expire_logs_seconds',
      'expire_logs_days',
      'encrypt_binlog',
      'sql_log_bin',
      'wsrep_',
    ],
    why: 'the binary log and replication, which backups and replicas rely on',
  },
  {
    names: [
      'ssl_',
      'tls_version',
      'require_secure_transport',
      'secure_file_priv',
      'secure_auth',
      'local_infile',
      'skip_grant_tables',
      'skip_name_resolve',
      'init_connect',
      'allow_suspicious_udfs',
      'plugin_maturity',
      'ignore_builtin_innodb',
      'default_password_lifetime',
    ],
    why: "security: authentication, encryption, host files, and the guest's own accounts",
  },
  {
    names: ['log_error', 'general_log', 'log_output', 'sql_log_off'],
    why: "the server's logs: Cellar keeps statements (with their passwords) out of them",
  },
  {
    names: [
      'lower_case_table_names',
      'innodb_page_size',
      'innodb_undo_tablespaces',
      'aria_block_size',
      'innodb_read_only',
      'innodb_force_recovery',
    ],
    why: 'fixed when the data directory was made: another value stops the server from starting',
  },
  {
    names: [
      'innodb_encrypt_',
      'innodb_encryption_',
      'innodb_default_encryption_key_id',
      'aria_encrypt_tables',
      'encrypt_tmp_disk_tables',
      'encrypt_tmp_files',
    ],
    why: 'encryption at rest needs a key management plugin, which Cellar does not load',
  },
];

const matches = (name: string, rule: string): boolean =>
  rule.startsWith('_')
    ? name.endsWith(rule)
    : rule.endsWith('_')
      ? name.startsWith(rule)
      : name === rule;

/** The rule keeping `name` out, if any. */
export function blockedBy(name: string): string | undefined {
  return blocklist.find((r) => r.names.some((n) => matches(name, n)))?.why;
}
