// guest_log_list and guest_log_action, generically over the logs the datastore's manager declares
// (DatastoreLogFile) and the agent's own `guest` log. Publishing stores the part of a log written
// since the last publish as one new object in the instance's project of the backup storage.

import { Readable } from 'node:stream';
import {
  BadRequest,
  GuestError,
  guestLogKey,
  guestLogObjectName,
  guestLogPlace,
  NotFound,
  type DatastoreLogFile,
  type GuestBackupObjects,
  type GuestLog,
  type GuestLogAction,
  type GuestLogger,
} from '@cellar/plugin-api';
import { LogState, unpublished, type LogRecord } from './log-state.js';
import { newPart, readRanges, pickEntries, type NewPart } from './new-part.js';

export interface GuestLogsSpec {
  readonly instanceId: string;
  readonly datastore: string;
  /** The datastore's logs followed by the agent's own. */
  readonly logs: () => readonly DatastoreLogFile[];
  /** `guest_log_exposed_logs`: what users without the admin role may see (`all`: every log). */
  readonly exposed: readonly string[];
  /** Absent when the guest was given no backup storage: nothing can be published then. */
  readonly objects?: GuestBackupObjects;
  readonly runDir: string;
  readonly log: GuestLogger;
}

/** Trove's statuses, from what the file holds and what was published of it. */
export function logStatus(
  definition: Pick<DatastoreLogFile, 'type'>,
  enabled: boolean,
  part: Pick<NewPart, 'pending' | 'rotated' | 'exists'>,
  record: LogRecord,
): string {
  if (definition.type === 'USER' && !enabled) return 'Disabled';
  if (!part.exists && record.published === 0)
    return definition.type === 'SYS' ? 'Unavailable' : 'Enabled';
  if (part.rotated && part.pending > 0) return 'Rotated';
  if (part.pending > 0) return record.published > 0 ? 'Partial' : 'Ready';
  return record.published > 0 ? 'Published' : 'Enabled';
}

export class GuestLogs {
  readonly #state: LogState;
  /** One action at a time: two publishes of one log would store its new part twice. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly spec: GuestLogsSpec) {
    this.#state = new LogState(spec.runDir);
  }

  async list(): Promise<GuestLog[]> {
    return this.#serially(() => Promise.all(this.spec.logs().map((d) => this.#view(d))));
  }

  async action(action: GuestLogAction): Promise<GuestLog> {
    return this.#serially(() => this.#act(action));
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #find(name: string): DatastoreLogFile {
    const logs = this.spec.logs();
    const found = logs.find((d) => d.name === name);
    if (!found)
      throw new NotFound({
        resource: 'Log',
        id: `${name} (this ${this.spec.datastore} instance has ${logs.map((d) => d.name).join(', ')})`,
      });
    return found;
  }

  async #act(action: GuestLogAction): Promise<GuestLog> {
    const definition = this.#find(action.logName);
    if (action.enable === true && action.disable === true)
      throw new BadRequest({ reason: 'A log cannot be enabled and disabled at once.' });
    const switching = action.enable === true || action.disable === true;
    if (switching && definition.type === 'SYS')
      throw new BadRequest({
        reason: `The ${definition.name} log is a SYS log: it is always on, and can only be published or discarded.`,
      });
    if (action.enable === true || (action.publish === true && !(await this.#enabled(definition))))
      await this.#switch(definition, 'enable');
    if (action.disable === true) await this.#switch(definition, 'disable');
    if (action.discard === true) await this.#discard(definition);
    if (action.publish === true) await this.#publish(definition);
    return this.#view(definition);
  }

  async #enabled(definition: DatastoreLogFile): Promise<boolean> {
    return definition.type === 'SYS' || (await definition.enabled?.()) === true;
  }

  async #switch(definition: DatastoreLogFile, to: 'enable' | 'disable'): Promise<void> {
    if (!definition[to])
      throw new GuestError({ reason: `the ${definition.name} log cannot be ${to}d here` });
    const wasEnabled = await this.#enabled(definition);
    await (to === 'enable' ? definition.enable?.() : definition.disable?.());
    // A log sharing its file begins when it is enabled: what the file held before is other logs'.
    if (to === 'enable' && !wasEnabled && definition.pick) {
      const record = await this.#state.get(definition.name);
      const part = await newPart(definition.file, record);
      await this.#recordPublished(definition, record.published, part);
    }
    this.spec.log.info(`guest log ${to}d`, { log: definition.name });
  }

  async #recordPublished(
    definition: DatastoreLogFile,
    published: number,
    part: NewPart,
  ): Promise<void> {
    await this.#state.set(definition.name, {
      published,
      offset: part.next,
      ...(part.head === undefined ? {} : { head: part.head }),
    });
  }

  #objects(): GuestBackupObjects {
    if (!this.spec.objects)
      throw new BadRequest({
        reason:
          'This instance has no backup storage to publish logs to: its guest configuration names no [DEFAULT] backup_storage.',
      });
    return this.spec.objects;
  }

  async #publish(definition: DatastoreLogFile): Promise<void> {
    const objects = this.#objects();
    await this.#refresh(definition);
    const record = await this.#state.get(definition.name);
    const part = await newPart(definition.file, record);
    let published = record.published;
    if (part.ranges.length > 0) {
      const raw = readRanges(part.ranges);
      const body =
        definition.pick && definition.entryStart
          ? raw.pipe(pickEntries(definition.entryStart, definition.pick()))
          : raw;
      published += await this.#store(definition, objects, body);
    }
    await this.#recordPublished(definition, published, part);
    await this.#writeMetafile(definition, objects, published);
  }

  /**
   * Streams the body into the log's next object; answers the bytes stored. An object that came out
   * empty (no entry of a shared file was this log's) is removed again.
   */
  async #store(
    definition: DatastoreLogFile,
    objects: GuestBackupObjects,
    body: Readable,
  ): Promise<number> {
    const place = this.#place(definition);
    const stored = await objects.put(guestLogKey(guestLogObjectName(place, new Date())), body);
    if (stored.size === 0) {
      await objects.delete(stored.location);
      return 0;
    }
    this.spec.log.info('guest log published', { log: definition.name, bytes: stored.size });
    return stored.size;
  }

  /** Trove's metafile: what was published of the log, for a reader of the container. */
  async #writeMetafile(
    definition: DatastoreLogFile,
    objects: GuestBackupObjects,
    published: number,
  ): Promise<void> {
    const place = this.#place(definition);
    const meta = {
      name: definition.name,
      type: definition.type,
      published,
      prefix: place.prefix,
      exposed: this.#exposed(definition),
    };
    await objects.put(guestLogKey(place.metafile), Readable.from([JSON.stringify(meta)]));
  }

  /** Deletes every object published of the log and its metafile; the whole file is pending again. */
  async #discard(definition: DatastoreLogFile): Promise<void> {
    const objects = this.#objects();
    const place = this.#place(definition);
    const [prefix, metafile] = [guestLogKey(place.prefix), guestLogKey(place.metafile)];
    const stored = await objects.list(prefix.slice(0, -1));
    for (const object of stored)
      if (object.key === metafile || object.key.startsWith(prefix))
        await objects.delete(object.location);
    await this.#state.set(definition.name, unpublished);
    this.spec.log.info('guest log discarded', { log: definition.name, objects: stored.length });
  }

  #exposed(definition: DatastoreLogFile): boolean {
    return this.spec.exposed.includes('all') || this.spec.exposed.includes(definition.name);
  }

  #place(definition: DatastoreLogFile) {
    return guestLogPlace(this.spec.instanceId, this.spec.datastore, definition.name);
  }

  /** A log kept in the server's memory, written out; what is there already is published anyway. */
  async #refresh(definition: DatastoreLogFile): Promise<void> {
    if (!definition.refresh || !(await this.#enabled(definition))) return;
    try {
      await definition.refresh();
    } catch (error) {
      this.spec.log.warn('the log could not be brought up to date', {
        log: definition.name,
        err: error,
      });
    }
  }

  async #view(definition: DatastoreLogFile): Promise<GuestLog> {
    await this.#refresh(definition);
    const record = await this.#state.get(definition.name);
    const part = await newPart(definition.file, record);
    const enabled = await this.#enabled(definition);
    return {
      name: definition.name,
      type: definition.type,
      status: logStatus(definition, enabled, part, record),
      published: record.published,
      pending: part.pending,
      ...this.#place(definition),
      exposed: this.#exposed(definition),
    };
  }
}
