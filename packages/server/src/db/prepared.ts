// Queries built and compiled by Kysely once, then run with new parameter values: for the few
// queries every request of a hot route runs, where building and compiling the same query again
// cost more than running it. The query is written with Kysely as usual (so it stays typed and
// dialect-neutral); its inputs are named slots that become the compiled query's parameters.

import { sql, type Compilable, type CompiledQuery, type Expression, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Stands for a named input in a query being compiled; found again among its parameters. */
class Slot {
  constructor(readonly name: string) {}
}

/** The expression to write into the query where input `name`'s value goes. */
export type SlotOf<Inputs> = <K extends keyof Inputs & string>(name: K) => Expression<Inputs[K]>;

export type PreparedQuery<Inputs, Row> = (inputs: Inputs) => Promise<Row[]>;

/**
 * Compiles `build(slot)` once; each call runs that SQL with the slots' parameters set from
 * `inputs`, and any values the query itself holds kept as they were.
 */
export function prepareQuery<Inputs extends Readonly<Record<string, unknown>>, Row>(
  db: Kysely<Database>,
  build: (slot: SlotOf<Inputs>) => Compilable<Row>,
): PreparedQuery<Inputs, Row> {
  const compiled = build((name) => sql`${new Slot(name)}`).compile();
  const fixed = compiled.parameters;
  const sources = fixed.map((value) => (value instanceof Slot ? value.name : undefined));
  return async (inputs) => {
    const parameters = sources.map((name, i) => (name === undefined ? fixed[i] : inputs[name]));
    const query: CompiledQuery<Row> = {
      query: compiled.query,
      queryId: compiled.queryId,
      sql: compiled.sql,
      parameters,
    };
    return (await db.executeQuery(query)).rows;
  };
}
