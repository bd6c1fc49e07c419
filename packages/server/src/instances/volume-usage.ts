// The space used on instances' volumes, as their guests report it, kept for a few seconds: a
// show asks for it (as Trove's does), and clients poll shows, so without this every poll would
// cost an RPC to the guest and the unsealing of its key. Requests that arrive together share
// one question to the guest.

import { randomUUID } from 'node:crypto';
import type { InstanceDeps } from './deps.js';
import type { InstanceRow } from './views.js';

/** How long a reported value is shown: usage changes slowly, and the guest is asked at most this often. */
const KEEP_MS = 5000;
/** Seconds a show waits for the guest before it leaves `used` out. */
const ASK_TIMEOUT = 2;
const CAPACITY = 4096;

interface Known {
  readonly until: number;
  readonly used: Promise<number | undefined>;
}

export class VolumeUsage {
  readonly #known = new Map<string, Known>();

  constructor(private readonly guest: InstanceDeps['guest']) {}

  /** GB used on the instance's volume; undefined when its guest cannot tell quickly. */
  used(row: InstanceRow, now: number): Promise<number | undefined> {
    const known = this.#known.get(row.id);
    if (known !== undefined && known.until > now) return known.used;
    if (this.#known.size >= CAPACITY) this.#known.clear();
    const used = this.#ask(row);
    this.#known.set(row.id, { until: now + KEEP_MS, used });
    return used;
  }

  async #ask(row: InstanceRow): Promise<number | undefined> {
    try {
      const stats = await this.guest(row).filesystemStats({ requestId: randomUUID() }, ASK_TIMEOUT);
      return stats.used;
    } catch {
      return undefined;
    }
  }
}
