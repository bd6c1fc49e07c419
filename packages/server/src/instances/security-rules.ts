// The network rules of an instance: every port or range the datastore exposes, from every
// allowed CIDR (anywhere, IPv4 and IPv6, when none is given), as Trove builds its security groups.

import {
  ALLOW_ALL_CIDRS,
  cidrProblems,
  ValidationFailed,
  type PortRange,
} from '@cellar/plugin-api';

export interface SecurityRule {
  readonly protocol: 'tcp' | 'udp';
  readonly from: number;
  readonly to: number;
  readonly cidr: string;
}

/**
 * Refuses a request whose allowed CIDRs are not all CIDRs, naming `field` and each bad value:
 * checked where the request arrives, not discovered later by the datastore in prepare.
 */
export function checkAllowedCidrs(
  field: string,
  allowedCidrs: readonly string[] | undefined,
): void {
  const problems = cidrProblems(field, allowedCidrs);
  if (problems.length > 0) throw new ValidationFailed({ problems: problems.join('; ') });
}

export function securityRules(
  tcpPorts: readonly PortRange[],
  udpPorts: readonly PortRange[],
  allowedCidrs: readonly string[] | undefined,
): SecurityRule[] {
  const cidrs = allowedCidrs && allowedCidrs.length > 0 ? allowedCidrs : ALLOW_ALL_CIDRS;
  return [
    ...tcpPorts.flatMap((p) =>
      cidrs.map((cidr) => ({ protocol: 'tcp' as const, from: p.from, to: p.to, cidr })),
    ),
    ...udpPorts.flatMap((p) =>
      cidrs.map((cidr) => ({ protocol: 'udp' as const, from: p.from, to: p.to, cidr })),
    ),
  ];
}
