// The API's bodies as the console reads them: only the fields it shows.

export interface SessionView {
  readonly project_id: string;
  readonly project_name: string;
  readonly user: string;
  readonly roles: readonly string[];
  readonly expires_at: string;
  readonly projects: readonly { id: string; name: string }[];
}

export interface Fault {
  readonly message: string;
  readonly details?: string;
}

export interface Instance {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly operating_status: string;
  readonly flavor: { readonly id: string };
  readonly datastore: { readonly type: string; readonly version: string };
  readonly volume?: { readonly size: number; readonly used?: number };
  readonly ip?: readonly string[];
  readonly hostname?: string;
  readonly created?: string | null;
  readonly fault?: Fault;
  readonly configuration?: { readonly id: string; readonly name: string };
  readonly replica_of?: { readonly id: string };
  readonly replicas?: readonly { readonly id: string }[];
  readonly recoverable_window?: RecoverableWindow;
  readonly deleted?: boolean;
}

export interface StepError {
  readonly code: string;
  readonly message: string | null;
}

export interface Step {
  readonly name: string;
  readonly status: string;
  readonly started: string | null;
  readonly ended: string | null;
  readonly error?: StepError;
}

export interface Operation {
  readonly id: string;
  readonly instance_id: string;
  readonly kind: string;
  readonly status: string;
  readonly started: string | null;
  readonly updated: string | null;
  readonly error?: StepError;
  readonly steps: readonly Step[];
}

export interface Named {
  readonly name: string;
}

export interface DbUser {
  readonly name: string;
  readonly host?: string;
  readonly databases?: readonly Named[];
}

export interface Flavor {
  readonly id: string | number;
  readonly name: string;
  readonly ram: number;
  readonly vcpus?: number;
}

export interface DatastoreVersion {
  readonly id: string;
  readonly name: string;
  readonly active?: number | boolean;
}

export interface Datastore {
  readonly id: string;
  readonly name: string;
  readonly default_version?: string;
  readonly versions: readonly DatastoreVersion[];
}

export interface Backup {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly instance_id: string | null;
  readonly size?: number | null;
  readonly created: string;
  readonly datastore?: { readonly type: string; readonly version: string };
  readonly deleted?: boolean;
}

export interface ConfigurationGroup {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly datastore_name?: string;
  readonly datastore_version_name?: string;
  readonly instance_count?: number;
  readonly values?: Readonly<Record<string, unknown>>;
}

export interface MetricSeries {
  readonly name: string;
  readonly unit: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A guest log as Trove lists it (`GET /instances/{id}/log`). */
export interface GuestLog {
  readonly name: string;
  readonly type: 'SYS' | 'USER';
  readonly status: string;
  readonly published: number;
  readonly pending: number;
}

/** What an instance's detail says can be restored to a point in time. */
export type RecoverableWindow =
  | {
      readonly spans: readonly { readonly earliest: string; readonly latest: string }[];
      readonly gaps: readonly string[];
    }
  | { readonly error: string };
