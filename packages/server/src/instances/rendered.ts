// Instance views rendered to JSON once per row and reused while nothing they show has changed.
// Serialising a page was the largest cost of a list once its rows were kept between requests
// (see ReadCache): the same rows were rendered to the same text on every request.

import { computeStatus } from './status.js';
import {
  detailView,
  statusInputs,
  summaryView,
  type DetailExtras,
  type ViewContext,
  type ViewedRow,
} from './views.js';
import type { ReplicationLinks } from '../replication/views.js';

type Fault = DetailExtras['fault'];

interface Rendering {
  /** Everything the text depends on besides the row itself and its fault. */
  readonly inputs: string;
  readonly fault: Fault | undefined;
  readonly json: string;
}

/**
 * Rows are kept by identity: a kept row object is never changed, and a row read again (after a
 * write) is a new object, rendered anew. Entries go when their rows are no longer kept.
 */
export class RenderedViews {
  readonly #summaries = new WeakMap<ViewedRow, Rendering>();
  readonly #details = new WeakMap<ViewedRow, Rendering>();

  summary(row: ViewedRow, v: ViewContext, replication?: ReplicationLinks): string {
    const extra = replication === undefined ? '' : JSON.stringify(replication);
    return reuse(this.#summaries, row, v, undefined, extra, () => summaryView(row, v, replication));
  }

  /**
   * With, for an instance shown on its own, the space used on its volume when known, the backup
   * it was restored from and the window it can be restored to.
   */
  detail(
    row: ViewedRow,
    v: ViewContext,
    fault: Fault | undefined,
    shown: Omit<DetailExtras, 'fault' | 'password'> = {},
  ): string {
    const { volumeUsed, restorePoint, recoverableWindow, configuration } = shown;
    const { replicationLinks, replication } = shown;
    const extra = [
      configuration ? `${configuration.id} ${configuration.name}` : '',
      volumeUsed ?? '',
      restorePoint ? JSON.stringify(restorePoint) : '',
      recoverableWindow ? JSON.stringify(recoverableWindow) : '',
      JSON.stringify(replicationLinks ?? null) + JSON.stringify(replication ?? null),
    ].join('\n');
    return reuse(this.#details, row, v, fault, extra, () =>
      detailView(row, v, { fault, ...shown }),
    );
  }
}

/**
 * A view shows the row, its fault, the request's base URL, tenant and role, the time only
 * through the status computed from it (heartbeat expiry), and `extra` (the volume's use): those
 * are the inputs compared.
 */
function reuse(
  kept: WeakMap<ViewedRow, Rendering>,
  row: ViewedRow,
  v: ViewContext,
  fault: Fault | undefined,
  extra: string,
  render: () => object,
): string {
  const s = computeStatus(statusInputs(row), v.now, v.heartbeatExpiry);
  const inputs = `${v.base}\n${v.tenant}\n${v.admin ? 'admin' : ''}\n${s.status}\n${s.operatingStatus}\n${extra}`;
  const earlier = kept.get(row);
  if (earlier !== undefined && earlier.inputs === inputs && earlier.fault === fault)
    return earlier.json;
  const json = JSON.stringify(render());
  kept.set(row, { inputs, fault, json });
  return json;
}
