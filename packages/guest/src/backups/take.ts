// One backup, streamed: the strategy's raw bytes are compressed and counted on their way into the
// storage, never staged on the instance's disk. A failure anywhere stops every part of it and
// leaves no object behind.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  BackupFailed,
  isCellarError,
  type BackupInfo,
  type BackupSource,
  type BackupStrategy,
  type BaseDatastoreManager,
  type GuestLogger,
  type Json,
  type StoredBackupObject,
} from '@cellar/plugin-api';
import { compressor, zstdCompressInto, type Compression } from './compression.js';
import type { GuestStorage } from './objects.js';

/** Counts the bytes passing through: what the progress reports say is stored so far. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

export interface TakeBackup {
  readonly info: BackupInfo;
  readonly strategy: BackupStrategy<BaseDatastoreManager<unknown>>;
  readonly manager: BaseDatastoreManager<unknown>;
  readonly storage: GuestStorage;
  /** The key the object is stored under, inside the project. */
  readonly key: string;
  readonly compression: Compression;
  readonly zstd: string | undefined;
  /** The guest's run directory: the strategy's work directory is made under it. */
  readonly runDir: string;
  /** Aborted to stop the backup (the agent is stopping); a failure aborts it too. */
  readonly controller: AbortController;
  /** Told the bytes stored so far every `progressSeconds`. */
  readonly progress: (bytes: number) => void;
  readonly progressSeconds: number;
  readonly log: GuestLogger;
}

export interface TakenBackup {
  readonly stored: StoredBackupObject;
  readonly meta: Readonly<Record<string, Json>>;
}

/** A reason the record can keep: the storage's and the catalog's own errors as they are. */
function asFailure(backup: string, error: unknown, signal: AbortSignal): Error {
  if (isCellarError(error)) return error;
  if (signal.aborted && signal.reason instanceof Error && isCellarError(signal.reason))
    return signal.reason;
  const reason = error instanceof Error ? error.message : String(error);
  return new BackupFailed({ backup, reason }, { cause: error });
}

/** How long an aborted stream waits for the upload to give its own reason for the abort. */
const UPLOAD_REASON_GRACE_MS = 1000;

/** How long a failed backup waits for its tool and its upload to stop before it is reported. */
const STOP_GRACE_MS = 30_000;

/**
 * The upload's and the tool's outcomes; once the backup has failed, waited for at most
 * STOP_GRACE_MS, so a tool that ignores its signal does not hold the FAILED report back (an upload
 * still running then was aborted, and leaves nothing).
 */
async function outcomes<S, M>(
  put: Promise<S>,
  done: Promise<M>,
  flow: Promise<void>,
  signal: AbortSignal,
): Promise<[PromiseSettledResult<S>, PromiseSettledResult<M>] | undefined> {
  const all = Promise.allSettled([put, done, flow]);
  const late = new Promise<undefined>((resolve) => {
    const wait = (): void => {
      const timer = setTimeout(resolve, STOP_GRACE_MS, undefined);
      void all.finally(() => clearTimeout(timer));
    };
    if (signal.aborted) wait();
    else signal.addEventListener('abort', wait, { once: true });
  });
  const settled = await Promise.race([all, late]);
  return settled && [settled[0], settled[1]];
}

interface Flowing {
  /** The compressed bytes, counted: what the storage is given. */
  readonly flow: Promise<void>;
  /** The strategy's done; when its tool wrote into zstd, a failure waits for zstd's own. */
  readonly done: BackupSource['done'];
  /** Kills the zstd the strategy was offered, when it is still running. */
  readonly stop: () => void;
}

/**
 * Runs the strategy, offering it zstd's input when the backup is zstd-compressed; a strategy that
 * wrote into it hands back zstd's output, which the agent only counts; any other stream is
 * compressed by the agent as before, and the zstd it did not use is stopped.
 */
async function startFlow(
  t: TakeBackup,
  workDir: string,
  signal: AbortSignal,
  counter: ByteCounter,
): Promise<Flowing> {
  const into =
    t.compression === 'zstd' && t.zstd !== undefined ? zstdCompressInto(t.zstd) : undefined;
  const stop = (): void => void into?.compressed.destroy();
  let source: BackupSource;
  try {
    source = await t.strategy.backup({
      manager: t.manager,
      backup: t.info,
      workDir,
      objects: t.storage,
      signal,
      log: t.log,
      ...(into === undefined ? {} : { compressInto: into }),
    });
  } catch (error) {
    stop();
    throw error;
  } finally {
    // The tool holds zstd's input now: zstd sees its end when the tool exits.
    into?.stdin.destroy();
  }
  if (into === undefined || source.stream !== into.compressed) {
    stop();
    return {
      flow: pipeline(source.stream, compressor(t.compression, t.zstd), counter),
      done: source.done,
      stop,
    };
  }
  const flow = pipeline(into.compressed, counter);
  // A tool whose zstd died fails on its broken output: zstd's exit is the reason then.
  const done = source.done.catch(async (error: unknown) => {
    await flow.catch(() => undefined);
    throw error;
  });
  return { flow, done, stop };
}

export async function takeBackup(t: TakeBackup): Promise<TakenBackup> {
  const { info, storage, controller, log } = t;
  const signal = controller.signal;
  const workDir = join(t.runDir, 'backups', info.id);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  // The first failure is the reason; what it causes downstream (an aborted upload) is not.
  let failure: unknown;
  const fail = (error: unknown): void => {
    if (failure !== undefined) return;
    failure = error;
    controller.abort(error);
  };
  if (signal.aborted) fail(signal.reason);
  signal.addEventListener('abort', () => fail(signal.reason), { once: true });
  const counter = new ByteCounter();
  const timer = setInterval(() => t.progress(counter.bytes), t.progressSeconds * 1000);
  try {
    const source = await startFlow(t, workDir, signal, counter);
    signal.addEventListener('abort', source.stop, { once: true });
    const { flow } = source;
    // The upload closing the stream early is the upload's failure, which put reports with its
    // reason; an abort of the stream is given a moment for put's reason to come first.
    flow.catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      if (code === 'ABORT_ERR') setTimeout(() => fail(error), UPLOAD_REASON_GRACE_MS).unref();
      else fail(error);
    });
    const put = storage.put(t.key, counter, signal);
    put.catch(fail);
    source.done.catch(fail);
    const [stored, meta] = (await outcomes(put, source.done, flow, signal)) ?? [];
    if (failure === undefined && stored?.status === 'fulfilled' && meta?.status === 'fulfilled')
      return { stored: stored.value, meta: meta.value };
    // The tool said the backup is not good although its stream ended: the object goes.
    if (stored?.status === 'fulfilled') {
      log.warn('removing the object of a failed backup', { location: stored.value.location });
      await storage.delete(stored.value.location).catch((error: unknown) => {
        log.error('the object of a failed backup could not be removed', {
          location: stored.value.location,
          err: error,
        });
      });
    }
    throw failure instanceof Error ? failure : new Error(String(failure));
  } catch (error) {
    fail(error);
    throw asFailure(info.id, failure, signal);
  } finally {
    clearInterval(timer);
    await rm(workDir, { recursive: true, force: true });
  }
}
