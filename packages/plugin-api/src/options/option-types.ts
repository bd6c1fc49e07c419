// The value types of the option DSL: each knows its JSON Schema (TypeBox), how to read a value
// from the text of a config file, env var or flag, how to check a value, and how to write it back.

import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isHostAddress } from '../addresses.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

export interface OptionType<T> {
  /** oslo's words for the sample's "(… value)" note, e.g. "integer value". */
  readonly typeName: string;
  readonly schema: TSchema;
  parse(text: string): Parsed<T>;
  /** Undefined when the value is acceptable, otherwise what is wrong with it. */
  check(value: unknown): string | undefined;
  format(value: T): string;
  /** What an acceptable value looks like, for error messages: "an integer from 1 to 65535". */
  readonly expected: string;
  /** Extra sample lines such as "Minimum value: 1". */
  readonly sampleNotes: readonly string[];
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad: Parsed<never> = { ok: false };

function rangeWords(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

function rangeNotes(min: number | undefined, max: number | undefined): string[] {
  return [
    ...(min !== undefined ? [`Minimum value: ${min}`] : []),
    ...(max !== undefined ? [`Maximum value: ${max}`] : []),
  ];
}

/** A scalar type whose checking is the schema itself plus an optional extra rule. */
function scalar<T>(
  spec: Omit<OptionType<T>, 'check'> & { extraCheck?: (value: T) => boolean },
): OptionType<T> {
  return {
    ...spec,
    check(value: unknown) {
      if (!Value.Check(spec.schema, value)) return `expected ${spec.expected}`;
      if (spec.extraCheck && !spec.extraCheck(value as T)) return `expected ${spec.expected}`;
      return undefined;
    },
  };
}

export type Choice = string | readonly [value: string, description: string];

export interface StringParams {
  readonly choices?: readonly Choice[];
  readonly regex?: RegExp;
  readonly maxLength?: number;
}

export function stringType(params: StringParams = {}): OptionType<string> {
  const choices = params.choices?.map((c) => (typeof c === 'string' ? c : c[0]));
  const schema = choices
    ? Type.Union(choices.map((c) => Type.Literal(c)))
    : Type.String({
        ...(params.maxLength !== undefined ? { maxLength: params.maxLength } : {}),
        ...(params.regex ? { pattern: params.regex.source } : {}),
      });
  const expected = choices
    ? `one of: ${choices.map((c) => (c === '' ? "'' (empty)" : c)).join(', ')}`
    : params.regex
      ? `a string matching ${String(params.regex)}`
      : params.maxLength !== undefined
        ? `a string of at most ${params.maxLength} characters`
        : 'a string';
  const sampleNotes = [
    ...(params.choices
      ? [
          'Possible values:',
          ...params.choices.map((c) =>
            typeof c === 'string'
              ? c === ''
                ? "''"
                : c
              : `${c[0] === '' ? "''" : c[0]} - ${c[1]}`,
          ),
        ]
      : []),
    ...(params.regex ? [`Must match: ${String(params.regex)}`] : []),
    ...(params.maxLength !== undefined ? [`Maximum length: ${params.maxLength}`] : []),
  ];
  return scalar({
    typeName: 'string value',
    schema,
    expected,
    sampleNotes,
    parse: (text) => ok(text),
    format: (value) => value,
    extraCheck: (value) => !params.regex || params.regex.test(value),
  });
}

export interface NumberParams {
  readonly min?: number;
  readonly max?: number;
}

export function integerType(params: NumberParams = {}, noun = 'an integer'): OptionType<number> {
  return scalar({
    typeName: 'integer value',
    schema: Type.Integer({
      ...(params.min !== undefined ? { minimum: params.min } : {}),
      ...(params.max !== undefined ? { maximum: params.max } : {}),
    }),
    expected: `${noun}${rangeWords(params.min, params.max)}`,
    sampleNotes: rangeNotes(params.min, params.max),
    parse: (text) => (/^[+-]?\d+$/.test(text.trim()) ? ok(Number(text.trim())) : bad),
    format: (value) => String(value),
  });
}

export function floatType(params: NumberParams = {}): OptionType<number> {
  return scalar({
    typeName: 'floating point value',
    schema: Type.Number({
      ...(params.min !== undefined ? { minimum: params.min } : {}),
      ...(params.max !== undefined ? { maximum: params.max } : {}),
    }),
    expected: `a number${rangeWords(params.min, params.max)}`,
    sampleNotes: rangeNotes(params.min, params.max),
    parse: (text) => {
      const t = text.trim();
      return t !== '' && Number.isFinite(Number(t)) ? ok(Number(t)) : bad;
    },
    format: (value) => String(value),
  });
}

export function portType(params: NumberParams = {}): OptionType<number> {
  const type = integerType({ min: params.min ?? 0, max: params.max ?? 65535 }, 'a port number');
  return { ...type, typeName: 'port value' };
}

const trueWords = new Set(['true', '1', 'on', 'yes']);
const falseWords = new Set(['false', '0', 'off', 'no']);

export function booleanType(): OptionType<boolean> {
  return scalar({
    typeName: 'boolean value',
    schema: Type.Boolean(),
    expected: 'true or false',
    sampleNotes: [],
    parse: (text) => {
      const t = text.trim().toLowerCase();
      return trueWords.has(t) ? ok(true) : falseWords.has(t) ? ok(false) : bad;
    },
    format: (value) => String(value),
  });
}

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** A port or a `from-to` range, as Trove's `tcp_ports` items (`types.Range(1, 65535)`). */
export function portRangeType(): OptionType<PortRange> {
  const port = Type.Integer({ minimum: 1, maximum: 65535 });
  return scalar({
    typeName: 'port or port range value',
    schema: Type.Object({ from: port, to: port }, { additionalProperties: false }),
    expected: 'a port from 1 to 65535 or a range such as 6000-6010',
    sampleNotes: [],
    parse: (text) => {
      const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
      if (!m) return bad;
      const from = Number(m[1]);
      return ok({ from, to: m[2] === undefined ? from : Number(m[2]) });
    },
    format: (r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`),
    extraCheck: (r) => r.from <= r.to,
  });
}

/** Seconds; a file may say `30`, `30s`, `500ms`, `5m` or `1h`. */
export function durationType(params: NumberParams = {}): OptionType<number> {
  const units: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  return scalar({
    typeName: 'duration value (seconds)',
    schema: Type.Number({
      ...(params.min !== undefined ? { minimum: params.min } : {}),
      ...(params.max !== undefined ? { maximum: params.max } : {}),
    }),
    expected: `a duration in seconds (or with a unit: 500ms, 30s, 5m, 1h)${rangeWords(params.min, params.max).replace(/(\d+)/g, '$1 s')}`,
    sampleNotes: rangeNotes(params.min, params.max),
    parse: (text) => {
      const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
      return m ? ok(Number(m[1]) * (units[m[2] ?? 's'] ?? 1)) : bad;
    },
    format: (value) => String(value),
  });
}

export interface UriParams {
  readonly schemes?: readonly string[];
}

export function uriType(params: UriParams = {}): OptionType<string> {
  const valid = (value: string): boolean => {
    try {
      const url = new URL(value);
      return !params.schemes || params.schemes.includes(url.protocol.slice(0, -1));
    } catch {
      return false;
    }
  };
  return scalar({
    typeName: 'URI value',
    schema: Type.String({ minLength: 1 }),
    expected: params.schemes ? `a URI with scheme ${params.schemes.join(' or ')}` : 'a URI',
    sampleNotes: params.schemes ? [`Allowed schemes: ${params.schemes.join(', ')}`] : [],
    parse: (text) => ok(text.trim()),
    format: (value) => value,
    extraCheck: valid,
  });
}

/** An IPv4/IPv6 address or a host name. */
export function hostAddressType(): OptionType<string> {
  return scalar({
    typeName: 'host address value',
    schema: Type.String({ minLength: 1 }),
    expected: 'an IP address or a host name',
    sampleNotes: [],
    parse: (text) => ok(text.trim()),
    format: (value) => value,
    extraCheck: isHostAddress,
  });
}

function splitList(text: string): string[] {
  const t = text.trim();
  return t === '' ? [] : t.split(',').map((s) => s.trim());
}

export function listType<T>(item: OptionType<T>): OptionType<readonly T[]> {
  return {
    typeName: 'list value',
    schema: Type.Array(item.schema),
    expected: `a comma-separated list, each item ${item.expected}`,
    sampleNotes: item.sampleNotes,
    parse(text) {
      const values: T[] = [];
      for (const part of splitList(text)) {
        const parsed = item.parse(part);
        // An unreadable item is kept as its text so check() can name it with its position.
        values.push(parsed.ok ? parsed.value : (part as unknown as T));
      }
      return ok(values);
    },
    check(value) {
      if (!Array.isArray(value)) return `expected ${this.expected}`;
      const problems = value.flatMap((v: unknown, i) => {
        const problem = item.check(v);
        const shown = typeof v === 'string' ? v : item.format(v as T);
        return problem ? [`item ${i + 1} ('${shown}'): ${problem}`] : [];
      });
      return problems.length > 0 ? problems.join('; ') : undefined;
    },
    format: (values) => values.map((v) => item.format(v)).join(','),
  };
}

export function dictType<T>(item: OptionType<T>): OptionType<Readonly<Record<string, T>>> {
  return {
    typeName: 'dict value',
    schema: Type.Record(Type.String(), item.schema),
    expected: `key:value pairs separated by commas, each value ${item.expected}`,
    sampleNotes: item.sampleNotes,
    parse(text) {
      const result: Record<string, T> = {};
      for (const part of splitList(text)) {
        const at = part.indexOf(':');
        if (at <= 0) return bad;
        const parsed = item.parse(part.slice(at + 1).trim());
        result[part.slice(0, at).trim()] = parsed.ok
          ? parsed.value
          : (part.slice(at + 1).trim() as unknown as T);
      }
      return ok(result);
    },
    check(value) {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return `expected ${this.expected}`;
      const problems = Object.entries(value).flatMap(([k, v]) => {
        const problem = item.check(v);
        return problem ? [`key '${k}': ${problem}`] : [];
      });
      return problems.length > 0 ? problems.join('; ') : undefined;
    },
    format: (values) =>
      Object.entries(values)
        .map(([k, v]) => `${k}:${item.format(v)}`)
        .join(','),
  };
}
