// What a starting control-plane process has opened so far, so that a start failing half way and
// a stop both close it, in the order that lets each part finish: the API first, the database last.

import type { FastifyInstance } from 'fastify';
import type { Listener, Transport } from '@cellar/rpc';
import type { ControlDatabase } from '../db/connect.js';
import type { ComputeDriver } from '../drivers/compute/compute-driver.js';

export class OpenParts {
  app: FastifyInstance | undefined;
  readonly listeners: Listener[] = [];
  stopWatching: (() => Promise<void>) | undefined;
  compute: ComputeDriver | undefined;
  transport: Transport | undefined;
  control: ControlDatabase | undefined;

  async close(): Promise<void> {
    await this.app?.close();
    for (const l of this.listeners) await l.close();
    await this.stopWatching?.();
    await this.compute?.close();
    await this.transport?.close();
    await this.control?.close();
  }
}
