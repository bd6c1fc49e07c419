// Reports the agent's service status to the conductor: every report_interval, and the moment a
// prepare, a restart or a stop ends.

import {
  METRIC_NAMES,
  type BaseDatastoreManager,
  type GuestLogger,
  type GuestMetrics,
  type ReplicationState,
  type ServiceStatus,
} from '@cellar/plugin-api';
import type { ConductorClient, Heartbeat } from '@cellar/rpc';
import { diskMetrics } from './disk-metrics.js';

/** How long a heartbeat waits for the manager's status before it reports 'unknown'. */
const STATUS_TIMEOUT_MS = 5000;

/** The state as the heartbeat's schema takes it (its lists are not read-only). */
function onTheWire(state: ReplicationState): NonNullable<Heartbeat['replication']> {
  const { replicas, ...rest } = state;
  return { ...rest, ...(replicas ? { replicas: replicas.map((r) => ({ ...r })) } : {}) };
}

/**
 * The gauges as the heartbeat's schema takes them, with a replica's lag in seconds, which the
 * replication state carries. A figure that is not a number of 0 or more (a datastore's NaN) is
 * left out: the schema would refuse the whole beat, and the instance would seem to be silent.
 */
function metricsOnTheWire(
  metrics: GuestMetrics,
  state: ReplicationState | undefined,
): GuestMetrics {
  const all: GuestMetrics =
    state?.role === 'replica' && state.lagSeconds !== undefined
      ? { ...metrics, replication_lag_seconds: state.lagSeconds }
      : metrics;
  const wire: GuestMetrics = {};
  for (const name of METRIC_NAMES) {
    const value = all[name];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) wire[name] = value;
  }
  return wire;
}

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
    /** Where the instance's volume is mounted: the disk figures of every beat are its. */
    private readonly mountPoint: string,
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
    const [status, replication, metrics] = await Promise.all([
      this.#failure ? ('failed to spawn' as const) : this.#status(),
      this.#failure
        ? undefined
        : this.#within(() => this.manager.replicationState(), 'replication state'),
      this.#failure ? undefined : this.#metrics(),
    ]);
    const fault = this.#untold ? this.#failure : undefined;
    this.#untold = false;
    try {
      await this.conductor.heartbeat({
        status,
        ...(fault ? { fault } : {}),
        ...(replication ? { replication: onTheWire(replication) } : {}),
        ...(metrics ? { metrics: metricsOnTheWire(metrics, replication) } : {}),
      });
    } catch (error) {
      this.log.warn('heartbeat not delivered', { err: error });
    }
  }

  /**
   * The manager's status, or 'unknown' when it is not read within STATUS_TIMEOUT_MS: beats go one
   * after another and a restart answers only after its own, so one status read that hangs (a
   * server half way through stopping) must not hold every later beat and that answer.
   */
  async #status(): Promise<ServiceStatus> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(resolve, STATUS_TIMEOUT_MS, 'late');
    });
    try {
      const status = await Promise.race([this.manager.getServiceStatus(), late]);
      if (status !== 'late') return status;
      this.log.warn('the service status was not read in time', {
        seconds: STATUS_TIMEOUT_MS / 1000,
      });
    } catch (error) {
      this.log.warn('the service status could not be read', { err: error });
    } finally {
      clearTimeout(timer);
    }
    return 'unknown';
  }

  /** What `read` answers, left out of the beat when it is not read within STATUS_TIMEOUT_MS. */
  async #within<T>(
    read: () => Promise<T | undefined>,
    what: string,
    level: 'warn' | 'debug' = 'warn',
  ): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, STATUS_TIMEOUT_MS, undefined);
    });
    try {
      return await Promise.race([read(), late]);
    } catch (error) {
      this.log[level](`the ${what} could not be read`, { err: error });
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The datastore's gauges and the disk's; either is left out when it cannot be read. That is
   * only told at debug level: a server still starting has no figures, at every beat until it
   * answers, and a missing point on a plot says so already.
   */
  async #metrics(): Promise<GuestMetrics | undefined> {
    const [datastore, disk] = await Promise.all([
      this.#within(() => this.manager.metrics(), 'datastore metrics', 'debug'),
      this.#within(() => diskMetrics(this.mountPoint), 'disk use', 'debug'),
    ]);
    return datastore || disk ? { ...datastore, ...disk } : undefined;
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
