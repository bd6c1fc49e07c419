// The network rules of an instance: every port or range the datastore exposes, from every
// allowed CIDR (anywhere when none is given), as Trove builds its security groups.

import type { PortRange } from '@cellar/plugin-api';

export interface SecurityRule {
  readonly protocol: 'tcp' | 'udp';
  readonly from: number;
  readonly to: number;
  readonly cidr: string;
}

export function securityRules(
  tcpPorts: readonly PortRange[],
  udpPorts: readonly PortRange[],
  allowedCidrs: readonly string[] | undefined,
): SecurityRule[] {
  const cidrs = allowedCidrs && allowedCidrs.length > 0 ? allowedCidrs : ['0.0.0.0/0'];
  return [
    ...tcpPorts.flatMap((p) =>
      cidrs.map((cidr) => ({ protocol: 'tcp' as const, from: p.from, to: p.to, cidr })),
    ),
    ...udpPorts.flatMap((p) =>
      cidrs.map((cidr) => ({ protocol: 'udp' as const, from: p.from, to: p.to, cidr })),
    ),
  ];
}
