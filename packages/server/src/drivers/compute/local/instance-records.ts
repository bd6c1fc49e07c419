// What the local driver knows of each instance, in <instances>/<id>/instance.json: written last
// and atomically, so a directory with a record is complete, and a record that cannot be read is
// damage to report, never a reason to remove the instance.

import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { InstanceRecordUnreadable, type CellarError } from '@cellar/plugin-api';
import { isAlive, workingDir } from '@cellar/plugin-api/processes';

const OsUserSchema = Type.Object({ name: Type.String(), uid: Type.Integer(), gid: Type.Integer() });

const InstanceRecordSchema = Type.Object({
  id: Type.String(),
  address: Type.String(),
  datastore: Type.String(),
  version: Type.String(),
  /** The instance's own OS user; absent when guests run as Cellar's user (Cellar is not root). */
  user: Type.Optional(OsUserSchema),
  /** The work directory of the standby that became this instance's agent, removed with the instance. */
  standbyDir: Type.Optional(Type.String()),
  /** The data volume (volumes.ts): its size, and whether a mounted image enforces it. */
  volume: Type.Optional(
    Type.Object({ sizeGb: Type.Integer({ minimum: 1 }), enforced: Type.Boolean() }),
  ),
});

export type InstanceRecord = Static<typeof InstanceRecordSchema>;

const RECORD = 'instance.json';

export class InstanceRecords {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return join(this.root, id);
  }

  /**
   * The instance's record; undefined when it has none (no directory, or a create cut short
   * before its last step). Throws InstanceRecordUnreadable when one is there but cannot be read.
   */
  async read(id: string): Promise<InstanceRecord | undefined> {
    const path = join(this.dir(id), RECORD);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      // No directory, or a stray file where one would be: no instance here.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw unreadable(id, path, error instanceof Error ? error.message : String(error));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw unreadable(id, path, error instanceof Error ? error.message : String(error));
    }
    if (!Value.Check(InstanceRecordSchema, parsed) || parsed.id !== id) {
      const first = [...Value.Errors(InstanceRecordSchema, parsed)][0];
      throw unreadable(id, path, first ? `${first.path || '/'} ${first.message}` : 'another id');
    }
    return parsed;
  }

  /** Every record, and the ids of the instances whose record cannot be read. */
  async all(): Promise<{ records: InstanceRecord[]; unreadable: string[] }> {
    const records: InstanceRecord[] = [];
    const damaged: string[] = [];
    for (const id of await readdir(this.root)) {
      if (id.startsWith('.')) continue;
      try {
        const record = await this.read(id);
        if (record) records.push(record);
      } catch {
        damaged.push(id);
      }
    }
    return { records, unreadable: damaged };
  }

  /** Written through a temporary file: a crash leaves the old record or the new one, never half. */
  async write(record: InstanceRecord): Promise<void> {
    const path = join(this.dir(record.id), RECORD);
    await writeFile(`${path}.new`, `${JSON.stringify(record, null, 2)}\n`);
    await rename(`${path}.new`, path);
  }

  /** The running agent's PID: a PID reused since is not ours, as ours works in the run directory. */
  async guestPid(id: string): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(join(this.dir(id), 'guest.pid'), 'utf8')).trim());
      return Number.isInteger(pid) &&
        isAlive(pid) &&
        (await workingDir(pid)) === join(this.dir(id), 'run')
        ? pid
        : undefined;
    } catch {
      return undefined;
    }
  }
}

const unreadable = (instance: string, path: string, reason: string): CellarError =>
  new InstanceRecordUnreadable({ instance, path, reason });
