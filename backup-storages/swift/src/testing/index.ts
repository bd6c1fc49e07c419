// @cellar/backup-storage-swift/testing: the Swift all-in-one harness, for this package's tests and
// for the S3 storage's, which runs against the same Swift through its s3api middleware.

export * from './swift-admin.js';
export * from './swift-aio.js';
export * from './fake-keystone.js';
