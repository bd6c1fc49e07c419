// [backup_storage_s3]: an S3-compatible endpoint (AWS, Ceph RGW, MinIO, Swift's s3api) and the
// bucket backups go to. Imports nothing but @cellar/plugin-api, so a host can read it alone.

import { defineBackupStorageOptions, MIN_PART_SIZE, opt } from '@cellar/plugin-api';

export default defineBackupStorageOptions({
  name: 's3',
  title: 'The S3 backup storage: any S3-compatible endpoint',
  options: {
    endpoint: opt.str({
      help: "The endpoint URL (e.g. http://127.0.0.1:8080 for Swift's s3api); empty uses AWS's own for the region.",
      default: '',
    }),
    region: opt.str({
      help: "The region requests are signed for (Swift's s3api: its `location`, us-east-1 by default).",
      default: 'us-east-1',
    }),
    bucket: opt.str({
      help: "The bucket backups go to, created when missing; each project's objects are under <project>/.",
      default: 'cellar-backups',
      regex: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    }),
    access_key_id: opt.str({
      help: "The access key (Swift's s3api with tempauth: `<account>:<user>`).",
      default: '',
    }),
    secret_access_key: opt.str({
      help: 'The secret key (tempauth: the user key).',
      default: '',
      secret: true,
    }),
    force_path_style: opt.bool({
      help: 'Address buckets in the path (http://host/bucket/key) instead of the host name; needed by Swift s3api, MinIO and most endpoints on an address.',
      default: true,
    }),
    part_size: opt.int({
      help: 'Objects larger than this many bytes are uploaded as a multipart upload in parts of this size (S3 allows at most 10000 parts, Swift s3api 1000).',
      default: 64 * 1024 * 1024,
      min: MIN_PART_SIZE,
      max: 5 * 1024 * 1024 * 1024,
    }),
    queue_size: opt.int({
      help: 'How many parts of one upload are sent at once; each is held in memory.',
      default: 2,
      min: 1,
      max: 16,
    }),
  },
});
