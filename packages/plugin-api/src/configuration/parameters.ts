// What a datastore tells the control plane about its configuration parameters: per version, the
// server's own catalog (generated from it and committed), so configuration groups are checked
// at the API against the rules the database itself applies.

/** Trove's parameter types; `enum` values are strings checked against `choices`. */
export type ParameterType = 'integer' | 'float' | 'string' | 'boolean';

export interface ConfigurationParameter {
  /** As the server names it (`max_connections`, `innodb_buffer_pool_size`, `maxmemory`). */
  readonly name: string;
  readonly type: ParameterType;
  /** Inclusive bounds for numbers, in the parameter's own unit. */
  readonly min?: number;
  readonly max?: number;
  /** The only values a string parameter takes (PostgreSQL's enum settings). */
  readonly choices?: readonly string[];
  /** The unit a bare number is in, as the server states it (`8kB`, `ms`, `MB`). */
  readonly unit?: string;
  /** True when a new value takes effect only after the server restarts. */
  readonly restartRequired: boolean;
  /**
   * Set for memory-like parameters: bytes per unit of the value, so the control plane can refuse
   * a value larger than the flavor's RAM (PostgreSQL `shared_buffers`: 8192).
   */
  readonly bytesPerUnit?: number;
  /** One line from the server's own description, where it has one. */
  readonly description?: string;
}

/**
 * A datastore's configuration parameters as its server half declares them. `parameters(version)`
 * answers the catalog generated from that version's server, minus what a tenant must not set
 * (paths, listen addresses, replication and security settings); undefined for a version it has
 * no catalog for, which the API refuses to configure, naming the version.
 */
export interface DatastoreConfiguration {
  parameters(version: string): readonly ConfigurationParameter[] | undefined;
}

/** A configuration group's values: parameter name to value, as Trove's `values`. */
export type ConfigurationValues = Readonly<Record<string, string | number | boolean>>;
