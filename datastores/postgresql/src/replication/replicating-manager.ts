// The replication guest operations of the PostgreSQL manager, which extends this class: each
// delegates to operations.ts over the files, admin session and server the manager hands it.

import type { Json, ReplicationState } from '@cellar/plugin-api';
import { AccountsManager } from '../accounts-manager.js';
import type { ReplicationHost } from './host.js';
import * as replication from './operations.js';

export abstract class ReplicatingManager extends AccountsManager {
  protected abstract replicationHost(): ReplicationHost;

  override async backupRequiredForReplication(): Promise<boolean> {
    return true;
  }

  override async getReplicationSnapshot(snapshotInfo: Json, _sourceConfig: Json): Promise<Json> {
    return replication.snapshotOperation(this.replicationHost(), snapshotInfo);
  }

  override async attachReplica(replicaInfo: Json, _config: Json, _restart: boolean): Promise<void> {
    await replication.attachOperation(this.replicationHost(), replicaInfo);
  }

  override async detachReplica(_forFailover: boolean): Promise<Json> {
    return replication.detachOperation(this.replicationHost());
  }

  override async getReplicaContext(): Promise<Json> {
    return replication.replicaContextOperation(this.replicationHost());
  }

  override async makeReadOnly(readOnly: boolean): Promise<void> {
    await replication.makeReadOnly(this.replicationHost(), readOnly);
  }

  override async enableAsMaster(replicaSourceConfig: Json): Promise<void> {
    await replication.enableAsMasterOperation(this.replicationHost(), replicaSourceConfig);
  }

  override async demoteReplicationMaster(): Promise<void> {
    await replication.demoteReplicationMaster(this.replicationHost());
  }

  override async getLastTxn(): Promise<readonly [string, string]> {
    return replication.lastTxn(this.replicationHost());
  }

  override async getLatestTxnId(): Promise<string> {
    return replication.latestTxnId(this.replicationHost());
  }

  override async waitForTxn(txn: string): Promise<void> {
    await replication.waitForTxn(this.replicationHost(), txn);
  }

  override async replicationState(): Promise<ReplicationState | undefined> {
    return replication.replicationState(this.replicationHost());
  }
}
