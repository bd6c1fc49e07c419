// What the rest of Cellar reads off the guest operation declaration: the operations a set of
// capabilities brings, each operation's wire argument schema, and the types of its method.

import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import type { Capability } from '../capabilities.js';
import type { Json } from './guest-types.js';
import { guestOperations } from './guest-operations.js';

/** One argument: its name on the wire and its schema. The method takes them in this order. */
export type OperationParam = readonly [name: string, schema: TSchema];

export interface OperationSpec {
  readonly method: string;
  /** `core`: every datastore carries it out; otherwise the capability that brings it. */
  readonly capability: Capability | 'core';
  readonly params: readonly OperationParam[];
  readonly result: TSchema;
}

export type GuestOperation = keyof typeof guestOperations;
type Spec<K extends GuestOperation> = (typeof guestOperations)[K];

/** Values as their producer may hand them over: readonly all the way down (Json is already). */
type Frozen<T> = [Json] extends [T]
  ? T
  : T extends object
    ? { readonly [P in keyof T]: Frozen<T[P]> }
    : T;

type ParamValues<P extends readonly OperationParam[]> = {
  -readonly [I in keyof P]: P[I] extends readonly [string, infer S extends TSchema]
    ? Static<S>
    : never;
};

/**
 * The method's positional arguments, as the wire delivers them (mutable: a manager may take them
 * as readonly, and must not change them).
 */
export type OperationParams<K extends GuestOperation> = ParamValues<Spec<K>['params']>;

/** What the method resolves to. */
export type OperationResult<K extends GuestOperation> = Frozen<Static<Spec<K>['result']>>;

type ArgProperties<K extends GuestOperation> = {
  [P in Spec<K>['params'][number] as P[0]]: P[1];
};

/** The arguments object on the wire, one property per parameter, as a caller hands it over. */
export type OperationArgs<K extends GuestOperation> = Frozen<Static<TObject<ArgProperties<K>>>>;

/** Every operation's manager method, typed from the declaration; the base manager implements it. */
export type GuestOperationMethods = {
  [K in GuestOperation as Spec<K>['method']]: (
    ...args: Extract<OperationParams<K>, unknown[]>
  ) => Promise<OperationResult<K>>;
};

export const guestOperationNames = Object.keys(guestOperations) as GuestOperation[];

/** The operation's wire arguments as one object schema, checked before the guest handles it. */
export function operationArgsSchema<K extends GuestOperation>(
  operation: K,
): TObject<ArgProperties<K>> {
  const params: readonly OperationParam[] = guestOperations[operation].params;
  return Type.Object(Object.fromEntries(params)) as TObject<ArgProperties<K>>;
}

/** The method's positional arguments taken from its wire arguments, in the declared order. */
export function positionalArgs(
  operation: GuestOperation,
  args: Readonly<Record<string, unknown>>,
): unknown[] {
  const params: readonly OperationParam[] = guestOperations[operation].params;
  return params.map(([name]) => args[name]);
}

/** The operations a set of declared capabilities makes available (core ones always). */
export function operationsFor(declared: readonly Capability[]): GuestOperation[] {
  return guestOperationNames.filter((op) => {
    const need: Capability | 'core' = guestOperations[op].capability;
    return need === 'core' || declared.includes(need);
  });
}
