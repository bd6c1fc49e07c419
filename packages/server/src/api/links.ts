// Trove's resource links: `self` under /v1.0/{tenant} and `bookmark` without the version, on the
// public endpoint when one is configured, else on the address the request came to.

import type { FastifyRequest } from 'fastify';

export interface Link {
  readonly href: string;
  readonly rel: 'self' | 'bookmark';
}

export function baseUrl(request: FastifyRequest, publicEndpoint: string | undefined): string {
  return (publicEndpoint ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

export function resourceLinks(
  base: string,
  tenant: string,
  collection: string,
  id: string,
): Link[] {
  return [
    { href: `${base}/v1.0/${tenant}/${collection}/${id}`, rel: 'self' },
    { href: `${base}/${collection}/${id}`, rel: 'bookmark' },
  ];
}
