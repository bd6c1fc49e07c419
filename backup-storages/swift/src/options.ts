// [backup_storage_swift]: how Cellar reaches OpenStack Swift (tempauth or Keystone v3) and how it
// lays backups out. Imports nothing but @cellar/plugin-api, so a host can read it without the driver.

import { defineBackupStorageOptions, MIN_PART_SIZE, opt } from '@cellar/plugin-api';

export default defineBackupStorageOptions({
  name: 'swift',
  title: 'The Swift backup storage: OpenStack Swift through tempauth or Keystone v3',
  options: {
    auth_url: opt.uri({
      help: "Keystone's v3 endpoint (e.g. http://keystone:5000/v3) or tempauth's (http://proxy:8080/auth/v1.0).",
      default: 'http://127.0.0.1:5000/v3',
    }),
    auth_version: opt.str({
      help: 'Which authentication auth_url speaks: 3 (Keystone v3 password auth) or 1.0 (tempauth, swauth).',
      choices: ['3', '1.0'],
      default: '3',
    }),
    user: opt.str({
      help: 'The user Cellar authenticates as (tempauth: `<account>:<user>`).',
      default: 'cellar',
    }),
    key: opt.str({
      help: "The user's password or tempauth key.",
      default: '',
      secret: true,
    }),
    project_name: opt.str({
      help: 'Keystone v3: the project the token is scoped to.',
      default: 'service',
    }),
    user_domain_name: opt.str({ help: "Keystone v3: the user's domain.", default: 'Default' }),
    project_domain_name: opt.str({
      help: "Keystone v3: the project's domain.",
      default: 'Default',
    }),
    region_name: opt.str({
      help: "Keystone v3: the region of the object-store endpoint to use; empty takes the catalog's first.",
      default: '',
    }),
    endpoint_type: opt.str({
      help: "Keystone v3: which of the object-store endpoint's interfaces to use.",
      choices: ['public', 'internal', 'admin'],
      default: 'public',
    }),
    container: opt.str({
      help: "The container backups go to, as Trove's backup_swift_container.",
      default: 'database_backups',
      regex: /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/,
    }),
    project_layout: opt.str({
      help: "account: each project's backups go to <container> in the project's own account (<reseller_prefix><project>), as Trove does; needs a reseller admin (ResellerAdmin role, .reseller_admin group). container: <container>_<project> in Cellar's own account.",
      choices: ['account', 'container'],
      default: 'account',
    }),
    reseller_prefix: opt.str({
      help: 'The prefix of Swift account names (project_layout = account).',
      default: 'AUTH_',
      advanced: true,
    }),
    segment_size: opt.int({
      help: 'Objects larger than this many bytes go up as segments of this size plus a Static Large Object manifest. One segment is held in memory per upload (two while the next is read).',
      default: 64 * 1024 * 1024,
      min: MIN_PART_SIZE,
      max: 5 * 1024 * 1024 * 1024,
    }),
    timeout: opt.duration({
      help: 'How long one request to Swift may take before it fails.',
      default: 120,
      min: 1,
    }),
  },
});
