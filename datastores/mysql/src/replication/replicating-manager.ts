// The replication guest operations of the MySQL/MariaDB manager, which extends this class: each
// delegates to MariadbReplication over the admin session and files the manager hands it.

import { BaseDatastoreManager, type Json, type ReplicationState } from '@cellar/plugin-api';
import type { MysqlOptions } from '../guest.js';
import { MariadbReplication } from './mariadb-replication.js';
import type { ReplicationHost } from './source.js';

export abstract class ReplicatingManager extends BaseDatastoreManager<MysqlOptions> {
  protected readonly replication = new MariadbReplication(() => this.replicationHost());

  protected abstract replicationHost(): ReplicationHost;

  override async backupRequiredForReplication(): Promise<boolean> {
    return true;
  }

  override async getReplicationSnapshot(info: Json, config: Json): Promise<Json> {
    return { ...(await this.replication.snapshot(info, config)) };
  }

  /** Re-pointing needs no restart: the replica threads follow the new source at once. */
  override async attachReplica(
    replicaInfo: Json,
    _config?: Json,
    _restart?: boolean,
  ): Promise<void> {
    await this.replication.attach(replicaInfo);
  }

  /** The same for a failover: what the replica received is applied before it takes writes. */
  override async detachReplica(_forFailover?: boolean): Promise<Json> {
    return this.replication.detach();
  }

  override async getReplicaContext(): Promise<Json> {
    return { ...(await this.replication.context()) };
  }

  override async makeReadOnly(readOnly: boolean): Promise<void> {
    await this.replication.makeReadOnly(readOnly);
  }

  override async enableAsMaster(config: Json): Promise<void> {
    await this.replication.enableAsSource(config);
  }

  override async demoteReplicationMaster(): Promise<void> {
    await this.replication.demote();
  }

  override async getLastTxn(): Promise<readonly [source: string, txn: string]> {
    return this.replication.lastTxn();
  }

  override async getLatestTxnId(): Promise<string> {
    return this.replication.latestTxnId();
  }

  override async waitForTxn(txn: string): Promise<void> {
    await this.replication.waitForTxn(txn);
  }

  /** Undefined while the server does not answer: the heartbeat must not wait on it. */
  override async replicationState(): Promise<ReplicationState | undefined> {
    return this.replication.state().catch(() => undefined);
  }
}
