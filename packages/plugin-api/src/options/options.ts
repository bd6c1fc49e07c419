// The option DSL a plugin declares its configuration with (oslo.config's model): typed options
// with help, defaults and metadata, gathered into groups that belong to the server or the guest side.

import {
  booleanType,
  dictType,
  durationType,
  floatType,
  hostAddressType,
  integerType,
  listType,
  portRangeType,
  portType,
  stringType,
  uriType,
  type NumberParams,
  type OptionType,
  type StringParams,
  type UriParams,
} from './option-types.js';

/** Which process reads a group: the API/taskmanager/conductor (`server`) or the guest agent. */
export type Side = 'server' | 'guest';

export const sides: readonly Side[] = ['server', 'guest'];

export interface DeprecatedName {
  /** The old group; the option's own group when absent. */
  readonly group?: string;
  readonly name: string;
}

export interface OptionParams<T> {
  /** What the option does, in sentences; the sample prints it wrapped. */
  readonly help: string;
  readonly default?: T;
  /** What the sample shows instead of the default (for defaults computed on the host). */
  readonly sampleDefault?: string;
  readonly required?: boolean;
  /** Printed as `****` everywhere: samples, `config show`, error messages, logs. */
  readonly secret?: boolean;
  /** Re-read on SIGHUP without a restart. */
  readonly mutable?: boolean;
  /** Rarely needed; listed last in samples with a warning. */
  readonly advanced?: boolean;
  readonly deprecatedNames?: readonly DeprecatedName[];
  readonly deprecatedForRemoval?: boolean;
  readonly deprecatedReason?: string;
  readonly deprecatedSince?: string;
}

declare const valueMarker: unique symbol;

export interface Option<T, V = T> extends OptionParams<T> {
  readonly type: OptionType<T>;
  /** Type-level only: the value a loaded configuration holds for this option. */
  readonly [valueMarker]?: V;
}

type Resolved<T, P> = P extends { default: unknown }
  ? T
  : P extends { required: true }
    ? T
    : T | undefined;

export type AnyOption = Option<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type OptionValue<O> = O extends Option<unknown, infer V> ? V : never;

function make<T, const P extends OptionParams<T>>(
  type: OptionType<T>,
  params: P,
): Option<T, Resolved<T, P>> {
  return { ...params, type };
}

export const opt = {
  str: <const P extends OptionParams<string> & StringParams>(p: P) => make(stringType(p), p),
  int: <const P extends OptionParams<number> & NumberParams>(p: P) => make(integerType(p), p),
  float: <const P extends OptionParams<number> & NumberParams>(p: P) => make(floatType(p), p),
  port: <const P extends OptionParams<number> & NumberParams>(p: P) => make(portType(p), p),
  bool: <const P extends OptionParams<boolean>>(p: P) => make(booleanType(), p),
  uri: <const P extends OptionParams<string> & UriParams>(p: P) => make(uriType(p), p),
  hostAddress: <const P extends OptionParams<string>>(p: P) => make(hostAddressType(), p),
  /** Seconds; files may use units (`500ms`, `30s`, `5m`, `1h`). */
  duration: <const P extends OptionParams<number> & NumberParams>(p: P) => make(durationType(p), p),
  list: <T, const P extends OptionParams<readonly T[]>>(item: OptionType<T>, p: P) =>
    make(listType(item), p),
  dict: <T, const P extends OptionParams<Readonly<Record<string, T>>>>(item: OptionType<T>, p: P) =>
    make(dictType(item), p),
};

/** Item types for `opt.list` and `opt.dict`. */
export const types = {
  str: stringType,
  int: integerType,
  float: floatType,
  port: portType,
  bool: booleanType,
  uri: uriType,
  hostAddress: hostAddressType,
  duration: durationType,
  /** A port or a `from-to` range (`5432`, `6000-6010`), as Trove's `tcp_ports` items. */
  portRange: portRangeType,
};

export type Options = Readonly<Record<string, AnyOption>>;

export interface OptionGroup<S extends Side = Side, O extends Options = Options> {
  readonly name: string;
  readonly side: S;
  readonly title?: string;
  readonly help?: string;
  readonly options: O;
}

export type GroupValues<G extends OptionGroup> = {
  readonly [K in keyof G['options']]: OptionValue<G['options'][K]>;
};

const namePattern = /^[a-z][a-z0-9_]*$/;

/** Checks a group's definition; a wrong default is a programming error and fails at definition. */
export function defineOptionGroup<const S extends Side, const O extends Options>(
  group: OptionGroup<S, O>,
): OptionGroup<S, O> {
  if (group.name !== 'DEFAULT' && !namePattern.test(group.name)) {
    throw new TypeError(`option group name '${group.name}' must match ${String(namePattern)}`);
  }
  for (const [name, option] of Object.entries(group.options)) {
    if (!namePattern.test(name)) {
      throw new TypeError(
        `option [${group.name}] ${name}: the name must match ${String(namePattern)}`,
      );
    }
    if (option.help.trim() === '')
      throw new TypeError(`option [${group.name}] ${name} has no help text`);
    if (option.default !== undefined) {
      const problem = option.type.check(option.default);
      if (problem)
        throw new TypeError(`option [${group.name}] ${name}: the default is invalid: ${problem}`);
    }
  }
  return Object.freeze(group);
}
