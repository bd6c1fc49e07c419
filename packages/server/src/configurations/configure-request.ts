// What a configure operation keeps to run, resume or roll back on one instance: the group it
// attaches (or none), the whole previous and next sets, and the dynamic changes both ways.

import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const value = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const values = Type.Record(Type.String(), value);
const changes = Type.Record(Type.String(), Type.Union([value, Type.Null()]));
const groupId = Type.Union([Type.String(), Type.Null()]);

export const configureRequest = Type.Object({
  /** The group the instance has once this succeeds; null for a detach. */
  configuration: groupId,
  /** The group it had, kept if the guest refuses. */
  previousConfiguration: groupId,
  values,
  previous: values,
  /** What applyOverrides gets: the changed parameters the server takes at once. */
  apply: changes,
  /** Their previous values (null: back to the default), applied again on a refusal. */
  revert: changes,
  /** A changed parameter takes effect only after a restart: the instance shows RESTART_REQUIRED. */
  restartRequired: Type.Boolean(),
});
export type ConfigureRequest = Static<typeof configureRequest>;

/** The request of a stored configure operation, checked against what was written. */
export function readConfigureRequest(operation: {
  readonly id: string;
  readonly request: string;
}): ConfigureRequest {
  const parsed: unknown = JSON.parse(operation.request);
  if (Value.Check(configureRequest, parsed)) return parsed;
  const first = Value.Errors(configureRequest, parsed).First();
  throw new Error(
    `operation ${operation.id} is not a configure request: ${first?.path ?? ''} ${first?.message ?? ''}`,
  );
}
