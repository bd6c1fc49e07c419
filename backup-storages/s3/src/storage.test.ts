// The S3 storage against the backup storage conformance suite, through the s3api middleware of a
// Swift all-in-one started once for this file (path-style addressing, tempauth credentials).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import {
  CreateMultipartUploadCommand,
  UploadPartCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { runBackupStorageConformance } from '@cellar/plugin-api/testing/backup-storage';
import {
  SwiftAdmin,
  startSwiftAio,
  ensureSwift,
  type SwiftAio,
} from '@cellar/backup-storage-swift/testing';
import driver, { s3Client } from './storage.js';

const skip = ensureSwift() ?? false;
const partSize = 5 * 1024 * 1024;
const bucket = 'cellar-backups';
let aio: SwiftAio | undefined;

before(async () => {
  if (!skip) aio = await startSwiftAio();
});
after(async () => {
  await aio?.stop();
});

const optionsFor = (swift: SwiftAio, secret: string) => ({
  endpoint: swift.endpoint,
  region: 'us-east-1',
  bucket,
  access_key_id: `${swift.tester.account}:${swift.tester.user}`,
  secret_access_key: secret,
  force_path_style: true,
  part_size: partSize,
  queue_size: 2,
});

runBackupStorageConformance({
  name: 's3',
  skip,
  harness: async () => {
    const swift = aio as SwiftAio;
    const client = s3Client(optionsFor(swift, swift.tester.key));
    const swiftAdmin = new SwiftAdmin(swift.authUrl, swift.tester);
    const wrongKey = `wrong-${randomBytes(9).toString('hex')}`;
    const keyOf = (location: string): string => location.slice(`s3://${bucket}/`.length);
    return {
      storage: await driver.open(optionsFor(swift, swift.tester.key)),
      partSize,
      secrets: [swift.tester.key, wrongKey],
      openRefused: () => driver.open(optionsFor(swift, wrongKey)),
      async corrupt(location) {
        const Key = keyOf(location);
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
        const bytes = Buffer.from(
          await (
            got.Body as { transformToByteArray(): Promise<Uint8Array> }
          ).transformToByteArray(),
        );
        bytes[1000] = (bytes[1000] ?? 0) ^ 0xff;
        await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: bytes }));
      },
      async leftovers(project) {
        const Prefix = `${project}/`;
        const objects = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix }));
        const uploads = await client.send(
          new ListMultipartUploadsCommand({ Bucket: bucket, Prefix }),
        );
        // s3api keeps parts as segments in <bucket>+segments: none may outlive their upload.
        const parts = await swiftAdmin.names(`${swift.endpoint}/v1/AUTH_test/${bucket}+segments`);
        return [
          ...(objects.Contents ?? []).map((o) => `object ${o.Key}`),
          ...(uploads.Uploads ?? []).map((u) => `upload ${u.Key} ${u.UploadId}`),
          ...parts.filter((p) => p.startsWith(Prefix)).map((p) => `part ${p}`),
        ];
      },
      dispose: async () => client.destroy(),
    };
  },
});

test(
  'purge aborts the multipart uploads under the prefix that a failure left, and no other',
  { skip },
  async () => {
    const swift = aio as SwiftAio;
    const client = s3Client(optionsFor(swift, swift.tester.key));
    const storage = await driver.open(optionsFor(swift, swift.tester.key));
    try {
      // A put creates the bucket when the suite above has not.
      await storage.put(Readable.from([Buffer.from('x')]), { project: 'p8', key: 'x' });
      for (const Key of ['p7/i1/b1', 'p7/i1/b2']) {
        const started = await client.send(
          new CreateMultipartUploadCommand({ Bucket: bucket, Key }),
        );
        await client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key,
            UploadId: started.UploadId,
            PartNumber: 1,
            Body: Buffer.alloc(1024, 1),
          }),
        );
      }
      const uploads = async (): Promise<string[]> => {
        const listed = await client.send(
          new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'p7/' }),
        );
        return (listed.Uploads ?? []).map((u) => String(u.Key));
      };
      assert.deepEqual(await storage.list('p7', 'i1/b1'), [], 'list() does not show uploads');
      await storage.purge?.('p7', 'i1/b1');
      assert.deepEqual(await uploads(), ['p7/i1/b2']);
      await storage.purge?.('p7', 'i1/b2');
      assert.deepEqual(await uploads(), []);
    } finally {
      await storage.close();
      client.destroy();
    }
  },
);
