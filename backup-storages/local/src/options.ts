// [backup_storage_local]: the directory backups are kept in when Cellar runs on one machine.
// Imports nothing but @cellar/plugin-api, so a host can read it without loading the driver.

import { defineBackupStorageOptions, opt } from '@cellar/plugin-api';

export default defineBackupStorageOptions({
  name: 'local',
  title: 'The local backup storage: a directory on this machine',
  options: {
    path: opt.str({
      help: "The directory backups are written to, one subdirectory per project. Created when missing. When Cellar runs as root, each project's subdirectory is root's and opened by ACL (setfacl, Debian's acl package) to that project's instances only, so the directory need only let the guests' users pass (o+x); otherwise Cellar's own user writes it.",
      default: '/var/lib/cellar/backups',
    }),
    fsync: opt.bool({
      help: 'Flush every object to disk before it is reported stored, so a crash cannot leave a backup the record calls complete but the disk lost.',
      default: true,
      advanced: true,
    }),
  },
});
