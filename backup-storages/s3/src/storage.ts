// The S3 backup storage: s3://<bucket>/<project>/<key>. Large objects go up as a multipart upload
// (lib-storage's Upload, parts held in memory, never on disk); a failed or aborted put aborts it.

import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  AbortMultipartUploadCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  BackupStorageFailed,
  checkKey,
  checkPrefix,
  checkProject,
  defineBackupStorage,
  DigestingStream,
  verifySha256,
  type BackupObjectInfo,
  type BackupStorage,
  type BackupStorageValues,
  type GetBackupObject,
  type PutBackupObject,
  type StoredBackupObject,
} from '@cellar/plugin-api';
import { s3Error } from './errors.js';
import options from './options.js';

type Values = BackupStorageValues<(typeof options)['server']['options']>;

export function s3Client(v: Values): S3Client {
  return new S3Client({
    region: v.region,
    ...(v.endpoint ? { endpoint: v.endpoint } : {}),
    forcePathStyle: v.force_path_style,
    credentials: { accessKeyId: v.access_key_id, secretAccessKey: v.secret_access_key },
    // Streamed bodies with checksums go aws-chunked, which Swift's s3api (and others) refuse.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export class S3BackupStorage implements BackupStorage {
  readonly name = 's3';
  // Private fields: util.inspect() of the storage never shows the client's credentials.
  readonly #client: S3Client;
  readonly #values: Values;
  #bucketReady: Promise<void> | undefined;

  constructor(values: Values) {
    this.#values = values;
    this.#client = s3Client(values);
  }

  #objectKey(project: string, key: string): string {
    return `${checkProject(project)}/${checkKey(key)}`;
  }

  async locationOf(project: string, key: string): Promise<string> {
    return `s3://${this.#values.bucket}/${this.#objectKey(project, key)}`;
  }

  #keyOf(location: string): string {
    const prefix = `s3://${this.#values.bucket}/`;
    if (!location.startsWith(prefix))
      throw new BackupStorageFailed({
        storage: this.name,
        operation: 'use',
        object: location,
        reason: `it is not an object of bucket ${this.#values.bucket}`,
      });
    return location.slice(prefix.length);
  }

  #ensureBucket(): Promise<void> {
    const Bucket = this.#values.bucket;
    this.#bucketReady ??= this.#client
      .send(new HeadBucketCommand({ Bucket }))
      .then(
        () => undefined,
        async (error: unknown) => {
          if (
            (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404
          )
            throw error;
          await this.#client.send(new CreateBucketCommand({ Bucket }));
        },
      )
      .catch((error: unknown) => {
        this.#bucketReady = undefined;
        throw s3Error(error, 'use bucket', Bucket);
      });
    return this.#bucketReady;
  }

  async put(body: Readable, target: PutBackupObject): Promise<StoredBackupObject> {
    const Key = this.#objectKey(target.project, target.key);
    const location = await this.locationOf(target.project, target.key);
    target.signal?.throwIfAborted();
    await this.#ensureBucket();
    const digest = new DigestingStream();
    body.on('error', (error) => digest.destroy(error));
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#values.bucket, Key, Body: body.pipe(digest) },
      partSize: this.#values.part_size,
      queueSize: this.#values.queue_size,
      leavePartsOnError: false,
    });
    const onAbort = (): void => void upload.abort();
    target.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } catch (error) {
      await this.#abortUploads(Key);
      const failure: unknown = target.signal?.aborted
        ? target.signal.reason
        : s3Error(error, 'write', location);
      // Closed only after this put has failed: closed before, the source's producer fails
      // (a broken pipe) ahead of the put, and a caller keeping the first failure reports that.
      setImmediate(() => {
        body.unpipe(digest);
        body.destroy();
      });
      throw failure;
    } finally {
      target.signal?.removeEventListener('abort', onAbort);
    }
    return { location, size: digest.bytes, sha256: digest.sha256 };
  }

  /** Aborts every unfinished multipart upload of a key: lib-storage's own abort may race its parts. */
  async #abortUploads(Key: string): Promise<void> {
    const Bucket = this.#values.bucket;
    try {
      const listed = await this.#client.send(
        new ListMultipartUploadsCommand({ Bucket, Prefix: Key }),
      );
      for (const u of listed.Uploads ?? []) {
        if (u.Key === Key && u.UploadId)
          await this.#client.send(
            new AbortMultipartUploadCommand({ Bucket, Key, UploadId: u.UploadId }),
          );
      }
    } catch {
      // Best effort: the put's own failure is what the caller must see.
    }
  }

  async get(location: string, options: GetBackupObject = {}): Promise<Readable> {
    const Key = this.#keyOf(location);
    let stream: Readable;
    try {
      const answer = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#values.bucket, Key }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      stream = answer.Body as Readable;
    } catch (error) {
      throw s3Error(error, 'read', location);
    }
    if (options.sha256 === undefined) return stream;
    return verifySha256(stream, { storage: this.name, object: location, sha256: options.sha256 });
  }

  async delete(location: string): Promise<void> {
    try {
      await this.#client.send(
        new DeleteObjectCommand({ Bucket: this.#values.bucket, Key: this.#keyOf(location) }),
      );
    } catch (error) {
      const mapped = s3Error(error, 'delete', location);
      if ((mapped as { code?: string }).code === 'CELLAR_BACKUP_OBJECT_NOT_FOUND') return;
      throw mapped;
    }
  }

  async list(project: string, prefix = ''): Promise<BackupObjectInfo[]> {
    checkPrefix(prefix);
    const Prefix = `${checkProject(project)}/${prefix}`;
    const found: BackupObjectInfo[] = [];
    let ContinuationToken: string | undefined;
    try {
      do {
        const page = await this.#client.send(
          new ListObjectsV2Command({ Bucket: this.#values.bucket, Prefix, ContinuationToken }),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined) continue;
          const key = o.Key.slice(project.length + 1);
          found.push({ location: `s3://${this.#values.bucket}/${o.Key}`, key, size: o.Size ?? 0 });
        }
        ContinuationToken = page.NextContinuationToken;
      } while (ContinuationToken);
    } catch (error) {
      const mapped = s3Error(error, 'list', `s3://${this.#values.bucket}/${Prefix}`);
      if ((mapped as { code?: string }).code === 'CELLAR_BACKUP_OBJECT_NOT_FOUND') return [];
      throw mapped;
    }
    return found;
  }

  /**
   * The objects under the prefix and the multipart uploads to keys under it that were never
   * completed (their parts are stored, and billed, though no listing of objects shows them).
   */
  async purge(project: string, prefix: string): Promise<void> {
    for (const object of await this.list(project, prefix)) await this.delete(object.location);
    const Bucket = this.#values.bucket;
    const Prefix = `${checkProject(project)}/${prefix}`;
    try {
      let more = true;
      while (more) {
        const listed = await this.#client.send(new ListMultipartUploadsCommand({ Bucket, Prefix }));
        const uploads = (listed.Uploads ?? []).filter((u) => u.Key && u.UploadId);
        for (const u of uploads)
          await this.#client.send(
            new AbortMultipartUploadCommand({ Bucket, Key: u.Key, UploadId: u.UploadId }),
          );
        // Each pass aborts what it listed: a truncated listing shows the rest on the next one.
        more = listed.IsTruncated === true && uploads.length > 0;
      }
    } catch (error) {
      const mapped = s3Error(error, 'delete', `s3://${Bucket}/${Prefix}`);
      if ((mapped as { code?: string }).code === 'CELLAR_BACKUP_OBJECT_NOT_FOUND') return;
      throw mapped;
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}

export default defineBackupStorage({
  name: 's3',
  options,
  async open(values) {
    return new S3BackupStorage(values);
  },
});
