// One put into Swift: an object that fits in one segment is a single PUT; a larger one goes up as
// segments and then a manifest. The key shows nothing until its last request succeeds, and a put
// that fails or is aborted removes the segments it wrote.

import type { Hash } from 'node:crypto';
import { BackupStorageFailed, isCellarError, type StoredBackupObject } from '@cellar/plugin-api';
import type { SwiftClient } from './client.js';
import { md5Of, SegmentUpload } from './segments.js';
import type { ProjectPlace } from './storage.js';

export interface PutPlan {
  readonly client: SwiftClient;
  readonly place: ProjectPlace;
  readonly key: string;
  readonly location: string;
  readonly parts: AsyncGenerator<Buffer>;
  readonly digest: Hash;
  readonly signal: AbortSignal | undefined;
  readonly ensureSegments: () => Promise<void>;
}

/** Resolves with `promise`, or rejects with the signal's reason as soon as it is aborted. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Network failures as the catalog's; the source's own failures and Swift's answers pass through. */
function storageFailure(error: unknown, location: string): unknown {
  if (isCellarError(error)) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (code.startsWith('UND_ERR') || /^E[A-Z]+$/.test(code)))
    return new BackupStorageFailed(
      { storage: 'swift', operation: 'write', object: location, reason: code },
      { cause: error },
    );
  return error;
}

async function putWhole(plan: PutPlan, part: Buffer, sha256: string, signal: AbortSignal) {
  const response = await plan.client.send({
    method: 'PUT',
    url: plan.location,
    headers: {
      etag: md5Of(part),
      'content-type': 'application/octet-stream',
      'x-object-meta-sha256': sha256,
    },
    body: part,
    signal,
  });
  if (response.statusCode !== 201)
    throw await plan.client.failure(response, 'write', plan.location);
  await response.body.dump();
}

async function putManifest(
  plan: PutPlan,
  upload: SegmentUpload,
  sha256: string,
  signal: AbortSignal,
) {
  const segments = await upload.finish();
  const response = await plan.client.send({
    method: 'PUT',
    url: `${plan.location}?multipart-manifest=put`,
    headers: { 'content-type': 'application/json', 'x-object-meta-sha256': sha256 },
    body: JSON.stringify(segments),
    signal,
  });
  if (response.statusCode !== 201)
    throw await plan.client.failure(response, 'write', plan.location);
  await response.body.dump();
}

export async function putObject(plan: PutPlan): Promise<StoredBackupObject> {
  const signal = plan.signal ?? new AbortController().signal;
  let size = 0;
  const next = async (): Promise<IteratorResult<Buffer>> => {
    const result = await abortable(plan.parts.next(), signal);
    if (!result.done) {
      plan.digest.update(result.value);
      size += result.value.length;
    }
    return result;
  };
  let upload: SegmentUpload | undefined;
  try {
    const first = await next();
    const firstPart = first.done ? Buffer.alloc(0) : first.value;
    let current = first.done ? first : await next();
    if (current.done) {
      const sha256 = plan.digest.digest('hex');
      await putWhole(plan, firstPart, sha256, signal);
      return { location: plan.location, size, sha256 };
    }
    await plan.ensureSegments();
    const segments = {
      containerUrl: plan.place.segmentsUrl,
      container: plan.place.segmentsContainer,
      key: plan.key,
    };
    upload = new SegmentUpload(plan.client, segments);
    await upload.add(firstPart);
    while (!current.done) {
      await upload.add(current.value);
      current = await next();
    }
    const sha256 = plan.digest.digest('hex');
    await putManifest(plan, upload, sha256, signal);
    return { location: plan.location, size, sha256 };
  } catch (error) {
    // Remove what reached Swift, then stop reading the source: closed before, the source's
    // pipeline would fail with an AbortError ahead of this put, and a caller that keeps the
    // first failure would report that instead of the storage's.
    await upload?.discard().catch(() => undefined);
    const failure: unknown = signal.aborted ? signal.reason : storageFailure(error, plan.location);
    setImmediate(() => void plan.parts.return(undefined).catch(() => undefined));
    throw failure;
  }
}
