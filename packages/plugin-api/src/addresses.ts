// Addresses and CIDRs as Cellar accepts them (allowed_cidrs, host options), checked with node:net
// so that the API, the taskmanager and every datastore agree on what is valid and on "anywhere".

import { isIP } from 'node:net';

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** "Anywhere" for IPv4 and IPv6 alike: what an instance without allowed_cidrs is open to. */
export const ALLOW_ALL_CIDRS: readonly string[] = Object.freeze(['0.0.0.0/0', '::/0']);

/** What the refusal of a CIDR says it expected. */
export const CIDR_EXAMPLE = 'a CIDR such as 10.0.0.0/24 or 2001:db8::/64';

/** `address/prefix`, or undefined when it is not one (a zone id means nothing off its host). */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/%]+)\/(0|[1-9]\d{0,2})$/.exec(text);
  const address = match?.[1] ?? '';
  const prefix = Number(match?.[2]);
  const version = isIP(address);
  if (version === 4 && prefix <= 32) return { address, prefix, family: 'ipv4' };
  if (version === 6 && prefix <= 128) return { address, prefix, family: 'ipv6' };
  return undefined;
}

/** For each entry of `cidrs` that is not a CIDR, a problem naming `field[i]` and the value. */
export function cidrProblems(field: string, cidrs: readonly string[] | undefined): string[] {
  return (cidrs ?? []).flatMap((cidr, i) =>
    parseCidr(cidr) ? [] : [`${field}[${i}]: '${cidr}' is not ${CIDR_EXAMPLE}`],
  );
}

const hostName =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * An IPv4 or IPv6 address or a host name. A name whose last label is all digits is refused: no
 * top-level domain is numeric, so `999.1.1.1` or `1.2.3` is a mistyped address, not a host.
 */
export function isHostAddress(text: string): boolean {
  return isIP(text) !== 0 || (hostName.test(text) && !/(^|\.)\d+$/.test(text));
}
