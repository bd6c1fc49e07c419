// Reports the agent's service status to the conductor: every report_interval, and the moment a
// prepare, a restart or a stop ends.

import type { BaseDatastoreManager, GuestLogger, ServiceStatus } from '@cellar/plugin-api';
import type { ConductorClient, Heartbeat } from '@cellar/rpc';

/**
 * Reports to the conductor. A failed prepare keeps the status 'failed to spawn' until the next
 * prepare; its reason travels once, in the beat sent when it failed.
 */
export class Reporter {
  #failure?: NonNullable<Heartbeat['fault']>;
  #untold = false;
  #timer?: NodeJS.Timeout;
  #sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly conductor: ConductorClient,
    private readonly manager: BaseDatastoreManager<unknown>,
    private readonly log: GuestLogger,
  ) {}

  /**
   * One beat after another: a periodic beat that read the status in the middle of a restart is
   * sent before the restart's own, never after it, so the last status the conductor records is
   * the newest.
   */
  beat(): Promise<void> {
    const next = this.#sending.then(() => this.#send());
    this.#sending = next;
    return next;
  }

  async #send(): Promise<void> {
    const status: ServiceStatus = this.#failure
      ? 'failed to spawn'
      : await this.manager.getServiceStatus().catch((error: unknown) => {
          this.log.warn('the service status could not be read', { err: error });
          return 'unknown' as const;
        });
    const fault = this.#untold ? this.#failure : undefined;
    this.#untold = false;
    try {
      await this.conductor.heartbeat({ status, ...(fault ? { fault } : {}) });
    } catch (error) {
      this.log.warn('heartbeat not delivered', { err: error });
    }
  }

  every(seconds: number): void {
    this.#timer = setInterval(() => void this.beat(), seconds * 1000);
  }

  failed(fault: NonNullable<Heartbeat['fault']> | undefined): void {
    this.#failure = fault;
    this.#untold = fault !== undefined;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
