// The names a caller may give a storage: a project and a key. Checked once here so that no storage
// can be made to write outside its place (`..`, absolute paths, query strings in a URL).

import { BadRequest } from '../errors/catalog.js';

const project = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const keySegment = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export function checkProject(value: string): string {
  if (!project.test(value))
    throw new BadRequest({ reason: `'${value}' is not a project id a backup storage accepts` });
  return value;
}

/** A key: `/`-separated segments of letters, digits, `.`, `_` and `-`, none starting with `.`. */
export function checkKey(value: string): string {
  const segments = value.split('/');
  if (value.length > 512 || !segments.every((s) => keySegment.test(s)))
    throw new BadRequest({ reason: `'${value}' is not a backup object key a storage accepts` });
  return value;
}

/** A key prefix for list(): a key, or a key's beginning ending in `/` or within a segment. */
export function checkPrefix(value: string): string {
  if (value === '') return value;
  return checkKey(value.endsWith('/') ? value.slice(0, -1) : value) && value;
}
