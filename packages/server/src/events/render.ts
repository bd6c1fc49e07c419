// What an event carries: the changed resource as its own GET answers it now (an instance's
// detail, an operation with its steps, a backup), or `{"id", "deleted": true}` once it is gone.

import { NotFound } from '@cellar/plugin-api';
import { showBackup } from '../backups/reads.js';
import type { InstanceDeps } from '../instances/deps.js';
import { operationView } from '../instances/operation-views.js';
import { InstanceReads } from '../instances/reads.js';
import type { ViewContext } from '../instances/views.js';
import { operationTimeline } from '../taskmanager/operations.js';
import type { Change } from './change-log.js';

const gone = (id: string): string => JSON.stringify({ id, deleted: true });

export class EventRenderer {
  readonly #instances: InstanceReads;

  constructor(private readonly deps: InstanceDeps) {
    this.#instances = new InstanceReads(deps);
  }

  /** The event's data as JSON text; `v` is the client's view (links, admin fields). */
  async data(change: Change, v: ViewContext): Promise<string> {
    try {
      return await this.#data(change, v);
    } catch (error) {
      if (error instanceof NotFound) return gone(change.resource);
      throw error;
    }
  }

  async #data({ kind, resource, project }: Change, v: ViewContext): Promise<string> {
    if (kind === 'instance') {
      const shown = JSON.parse(await this.#instances.show(v, resource, project)) as {
        instance: unknown;
      };
      return JSON.stringify(shown.instance);
    }
    if (kind === 'backup') return JSON.stringify(await showBackup(this.deps.db, project, resource));
    const timeline = await operationTimeline(this.deps.db, resource);
    if (timeline === undefined) return gone(resource);
    return JSON.stringify(operationView(timeline.operation, timeline.steps, v.base, project));
  }
}
