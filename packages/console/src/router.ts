// Pages by the URL's hash (#/instances/ID): links work, the back button works, and the API
// serves one static page without a route per console page.

import { useEffect, useState } from 'react';

export type Route =
  | { readonly page: 'instances' }
  | { readonly page: 'create'; readonly backup?: string }
  | { readonly page: 'instance'; readonly id: string }
  | { readonly page: 'backups' }
  | { readonly page: 'configurations' }
  | { readonly page: 'datastores' }
  | { readonly page: 'limits' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (first === 'instances' && second === 'new')
    return parts[2] === undefined ? { page: 'create' } : { page: 'create', backup: parts[2] };
  if (first === 'instances' && second !== undefined) return { page: 'instance', id: second };
  if (
    first === 'backups' ||
    first === 'configurations' ||
    first === 'datastores' ||
    first === 'limits'
  )
    return { page: first };
  return { page: 'instances' };
}

export const href = (...parts: string[]): string => `#/${parts.map(encodeURIComponent).join('/')}`;

export function navigate(to: string): void {
  window.location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}
